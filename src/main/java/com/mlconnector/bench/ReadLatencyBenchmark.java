package com.mlconnector.bench;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.sandbox.FnoEmulator;
import com.mlconnector.sync.NullSink;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

/**
 * The same GL read against an F&O that takes its time (the sandbox waits per request and per row, as a tenant's SQL
 * and serialisation do), into a null destination: with one request in flight (d365.max-concurrent-requests=1, one
 * chain of pages), then with four (the read split into key ranges read at once), then four again while F&O answers
 * some requests 429 with a Retry-After. Prints rows/s, the speed-up, peak heap, and how many requests went out before
 * a Retry-After had passed (must be 0).
 */
public final class ReadLatencyBenchmark {
    private static final String ENTITY = SandboxBenchProperties.GL;

    private final Path workDir;
    private final long rows;
    private final int pageSize;
    private final long requestMillis;
    private final long rowMicros;
    private final PrintWriter out;

    public ReadLatencyBenchmark(Path workDir, long rows, int pageSize, long requestMillis, long rowMicros, PrintWriter out) {
        this.workDir = workDir;
        this.rows = rows;
        this.pageSize = pageSize;
        this.requestMillis = requestMillis;
        this.rowMicros = rowMicros;
        this.out = out;
    }

    public void run() throws Exception {
        out.printf("F&O latency: %,d %s rows, page size %,d, %d ms per request + %d µs per row (a full page: %,.1f s)%n",
                rows, ENTITY, pageSize, requestMillis, rowMicros, (requestMillis + pageSize * rowMicros / 1000.0) / 1000);
        Pass one = pass(1, 0);
        report("1 request in flight", one, null);
        Pass four = pass(4, 0);
        report("4 requests in flight (key ranges)", four, one);
        Pass throttled = pass(4, 0.05);
        report("4 in flight, 5% of requests answered 429", throttled, one);
        out.printf("  requests sent before a Retry-After had passed: %d (of %,d requests, %d answered 429)%n",
                throttled.early(), throttled.requests(), throttled.throttled());
        out.flush();
    }

    private record Pass(long rows, double seconds, long peakHeap, long requests, long throttled, long early) {
        double rate() {
            return rows / seconds;
        }
    }

    private Pass pass(int concurrent, double throttleShare) throws Exception {
        Properties p = SandboxBenchProperties.of(rows, pageSize);
        p.setProperty("sandbox.fno.page-delay-ms", String.valueOf(requestMillis));
        p.setProperty("sandbox.fno.row-delay-micros", String.valueOf(rowMicros));
        p.setProperty("sandbox.fno.throttle-share", String.valueOf(throttleShare));
        p.setProperty("sandbox.fno.retry-after-seconds", "1");
        p.setProperty("retry.max-attempts", "20");
        p.setProperty("d365.max-concurrent-requests", String.valueOf(concurrent));
        NullSink sink = new NullSink();
        // nothing remembered: the read is all that is measured
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(workDir, p).withSink(sink)
                .withBean("delivery", new SyncBenchmark.SwitchableRecorder()))) {
            FnoEmulator fno = rt.sandbox().fno();
            rt.syncNow("GLAccounts", "benchmark"); // token and $metadata in hand, as on a running service
            fno.resetCounters();
            long before = sink.rows();
            HeapPeak peak = HeapPeak.start();
            long t0 = System.nanoTime();
            rt.syncNow(ENTITY, "benchmark");
            double seconds = (System.nanoTime() - t0) / 1e9;
            long heap = peak.stop();
            long read = sink.rows() - before;
            if (read != rows) {
                throw new IllegalStateException(concurrent + " in flight: " + read + " rows delivered, expected " + rows);
            }
            List<FnoEmulator.Arrival> arrivals = fno.arrivals();
            return new Pass(read, seconds, heap, arrivals.size(), fno.throttledRequests(), early(arrivals));
        }
    }

    /**
     * Requests that arrived after a 429 and before its Retry-After (1 s) had passed; a request already on its way when
     * the 429 was answered (arriving within 100 ms of it) is not counted.
     */
    private static long early(List<FnoEmulator.Arrival> arrivals) {
        long n = 0;
        for (FnoEmulator.Arrival a : arrivals) {
            if (a.throttled()) {
                Instant from = a.at().plusMillis(100);
                Instant to = a.at().plusMillis(950);
                n += arrivals.stream().filter(b -> b.at().isAfter(from) && b.at().isBefore(to)).count();
            }
        }
        return n;
    }

    private void report(String what, Pass pass, Pass single) {
        String ratio = single == null ? "" : String.format("  = %.1f× the single chain", pass.rate() / single.rate());
        out.printf("  %-42s %,10.0f rows/s  (%,d rows in %.1f s, %,d requests, peak heap %,d MB)%s%n",
                what, pass.rate(), pass.rows(), pass.seconds(), pass.requests(), pass.peakHeap() >> 20, ratio);
        out.flush();
    }
}
