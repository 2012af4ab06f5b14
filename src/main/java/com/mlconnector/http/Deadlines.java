package com.mlconnector.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Deadlines that cover a whole HTTP exchange, body included. The JDK client's request timeout stops counting once the
 * response headers are in: a server that sends the headers and half a page, then goes silent, would hold the reader
 * forever. Here a streamed body is cut off at its deadline (the blocked read ends with an {@link HttpTimeoutException},
 * which the retry policy treats as a dropped connection), and a body read whole must arrive within the deadline.
 */
public final class Deadlines {
    /** Used where a call names no timeout of its own. */
    public static final Duration DEFAULT = Duration.ofSeconds(120);

    private static final ScheduledExecutorService WATCH = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "http-deadlines");
        t.setDaemon(true);
        return t;
    });

    private Deadlines() {
    }

    /** Sends and reads the whole answer within the limit (headers and body together). */
    public static <T> HttpResponse<T> send(HttpClient http, HttpRequest request, HttpResponse.BodyHandler<T> body, Duration limit,
                                           String what) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<T>> call = http.sendAsync(request, body);
        try {
            return call.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new HttpTimeoutException(what + " did not answer in full within " + limit.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(cause);
        }
    }

    /** The body, cut off once the deadline (counted from when the request was sent) has passed. */
    public static InputStream bodyWithin(InputStream body, long deadlineNanos, String what, Duration limit) {
        return new DeadlineInputStream(body, deadlineNanos, what, limit);
    }

    private static final class DeadlineInputStream extends FilterInputStream {
        private final String what;
        private final Duration limit;
        private final ScheduledFuture<?> alarm;
        private final Object lock = new Object();
        private Thread reader;
        private boolean expired;
        private boolean interruptedByUs;
        private boolean closed;

        DeadlineInputStream(InputStream in, long deadlineNanos, String what, Duration limit) {
            super(in);
            this.what = what;
            this.limit = limit;
            this.alarm = WATCH.schedule(this::expire, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        }

        private void expire() {
            synchronized (lock) {
                if (closed) {
                    return;
                }
                expired = true;
                if (reader != null) {
                    interruptedByUs = true;
                    reader.interrupt(); // the JDK client's body stream blocks on a queue: an interrupt ends the wait
                }
            }
            try {
                in.close();
            } catch (IOException ignored) {
                // it is being dropped
            }
        }

        private HttpTimeoutException timedOut() {
            return new HttpTimeoutException(what + ": the body did not arrive in full within " + limit.toSeconds()
                    + " s; the connection was dropped");
        }

        private void enter() throws HttpTimeoutException {
            synchronized (lock) {
                if (expired) {
                    throw timedOut();
                }
                reader = Thread.currentThread();
            }
        }

        private boolean leave() {
            synchronized (lock) {
                reader = null;
                if (interruptedByUs) {
                    interruptedByUs = false;
                    Thread.interrupted(); // ours, not the caller's: clear it
                }
                return expired;
            }
        }

        private interface Read {
            int run() throws IOException;
        }

        /** One read, ended by the deadline if it passes while the read waits. */
        private int guarded(Read read) throws IOException {
            enter();
            try {
                return read.run();
            } catch (IOException e) {
                throw leave() ? timedOut() : e;
            } finally {
                if (leave()) {
                    throw timedOut();
                }
            }
        }

        @Override
        public int read() throws IOException {
            return guarded(super::read);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return guarded(() -> super.read(b, off, len));
        }

        @Override
        public void close() throws IOException {
            synchronized (lock) {
                closed = true;
            }
            alarm.cancel(false);
            super.close();
        }
    }
}
