package com.mlconnector.http;

import java.time.Duration;
import java.time.Instant;

/**
 * Time for rate limits: what time it is, and waiting. The real one is the system clock; a scaled one runs faster
 * (an hour of Power BI's limits in a minute) and is shared by the sandbox and the connector, so tests and
 * benchmarks can cover several rate windows quickly and both sides still agree on the time.
 */
public interface PacingClock {
    Instant now();

    void sleep(Duration d) throws InterruptedException;

    PacingClock SYSTEM = new PacingClock() {
        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public void sleep(Duration d) throws InterruptedException {
            if (!d.isNegative() && !d.isZero()) {
                Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
            }
        }
    };

    /** A clock running {@code factor} times faster than real time, from now on. */
    static PacingClock scaled(double factor) {
        if (factor == 1.0) {
            return SYSTEM;
        }
        long realStart = System.nanoTime();
        Instant start = Instant.now();
        return new PacingClock() {
            @Override
            public Instant now() {
                return start.plusNanos((long) ((System.nanoTime() - realStart) * factor));
            }

            @Override
            public void sleep(Duration d) throws InterruptedException {
                long nanos = (long) (d.toNanos() / factor);
                if (nanos > 0) {
                    Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
                }
            }
        };
    }
}
