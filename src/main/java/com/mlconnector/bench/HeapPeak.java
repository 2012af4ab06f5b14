package com.mlconnector.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.atomic.AtomicLong;

/** The highest heap use seen while a pass runs (sampled every 10 ms, after a GC at its start). */
final class HeapPeak {
    private final AtomicLong peak = new AtomicLong();
    private final Thread sampler;

    private HeapPeak() {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
    }

    static HeapPeak start() {
        System.gc();
        HeapPeak p = new HeapPeak();
        p.sampler.start();
        return p;
    }

    /** Stops sampling; the peak in bytes. */
    long stop() throws InterruptedException {
        sampler.interrupt();
        sampler.join();
        return peak.get();
    }
}
