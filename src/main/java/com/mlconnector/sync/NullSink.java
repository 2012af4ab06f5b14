package com.mlconnector.sync;

import java.util.concurrent.atomic.AtomicLong;

/** Accepts and forgets batches: what the benchmark measures the read side against. */
public final class NullSink implements BatchSink {
    private final AtomicLong rows = new AtomicLong();

    @Override
    public void write(Batch batch) {
        rows.addAndGet(batch.size());
    }

    public long rows() {
        return rows.get();
    }
}
