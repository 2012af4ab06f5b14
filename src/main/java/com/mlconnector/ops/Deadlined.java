package com.mlconnector.ops;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A read of the state database for the management server (health checks, gauges), answered within a deadline. While
 * the database is away the pool waits up to its connection timeout (30 s) for a connection, and a health check that
 * waited with it held the management server's thread: /observe/health/live stopped answering too, and an orchestrator
 * would restart a process that only needed to wait. The read runs on a thread of its own; the caller waits at most
 * the deadline; while a read is still waiting, the next call waits on that one instead of starting another.
 */
final class Deadlined<T> {
    private static final ExecutorService READS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "state-read");
        t.setDaemon(true);
        return t;
    });

    private final Duration deadline;
    private Future<T> inFlight;

    Deadlined(Duration deadline) {
        this.deadline = deadline;
    }

    /** What the read returned, or its exception; a {@link TimeoutException} naming the deadline when it did not end in time. */
    T get(Callable<T> read) throws Exception {
        Future<T> f;
        synchronized (this) {
            if (inFlight == null || inFlight.isDone()) {
                inFlight = READS.submit(read);
            }
            f = inFlight;
        }
        try {
            return f.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException("the state database did not answer within " + deadline.toMillis() / 1000.0 + " s");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
