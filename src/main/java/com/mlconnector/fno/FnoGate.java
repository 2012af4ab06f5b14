package com.mlconnector.fno;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * How many requests this process has in flight to F&O, whichever runs they belong to: at most
 * {@code d365.max-concurrent-requests}. F&O throttles by load (priority-based throttling answers 429 with
 * Retry-After), so a 429 halves the number allowed and sets a time before which no request of any run goes out;
 * each run of successes as long as the current limit lets it creep back up by one (additive increase, multiplicative
 * decrease).
 */
public final class FnoGate {
    private final int max;
    private final Duration maxWait;
    private int limit;
    private int inFlight;
    private int successes;
    private Instant notBefore = Instant.EPOCH;

    public FnoGate(int max, Duration maxWait) {
        this.max = max;
        this.limit = max;
        this.maxWait = maxWait;
    }

    /** Waits for a free slot and for any Retry-After to pass; every wait has its deadline. */
    public synchronized void acquire() throws IOException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            long untilAllowed = Duration.between(Instant.now(), notBefore).toMillis();
            if (inFlight < limit && untilAllowed <= 0) {
                inFlight++;
                return;
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException("no F&O request slot came free within " + maxWait.toSeconds() + " s ("
                        + inFlight + " in flight, " + limit + " allowed now of d365.max-concurrent-requests=" + max + ")");
            }
            try {
                wait(Math.max(1, Math.min(left, untilAllowed > 0 ? untilAllowed : 1000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for an F&O request slot", e);
            }
        }
    }

    /** The request ended (its body read or dropped); {@code ok}: it was answered with data. */
    public synchronized void release(boolean ok) {
        inFlight--;
        if (ok && limit < max && ++successes >= limit) {
            limit++;
            successes = 0;
        }
        notifyAll();
    }

    /** F&O said it is too busy: fewer requests at once, and none before the Retry-After has passed. */
    public synchronized void throttled(Duration retryAfter) {
        limit = Math.max(1, limit / 2);
        successes = 0;
        Instant until = Instant.now().plus(retryAfter);
        if (until.isAfter(notBefore)) {
            notBefore = until;
        }
        notifyAll();
    }

    public synchronized int limit() {
        return limit;
    }
}
