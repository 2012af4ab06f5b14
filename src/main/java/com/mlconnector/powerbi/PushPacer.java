package com.mlconnector.powerbi;

import com.mlconnector.http.PacingClock;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps the connector inside Power BI's push limits for one dataset, across every table and entity that share it:
 * POST rows requests per minute, rows per hour, and POSTs per hour to a table that holds many rows. {@link #acquire}
 * waits until a POST fits, then counts it. Sliding windows, like Power BI's; a second of margin on each edge keeps
 * the two clocks from disagreeing about a boundary.
 */
public final class PushPacer {
    private static final Duration MARGIN = Duration.ofSeconds(1);

    private final PacingClock clock;
    private final PowerBiSettings limits;
    private final Deque<Instant> posts = new ArrayDeque<>();
    private final Deque<Object[]> rows = new ArrayDeque<>();
    private final Map<String, Deque<Instant>> tablePosts = new HashMap<>();
    private long waitedMillis;

    public PushPacer(PacingClock clock, PowerBiSettings limits) {
        this.clock = clock;
        this.limits = limits;
    }

    /** Waits until a POST of {@code n} rows to a table now holding {@code tableRows} rows is within the limits. */
    public void acquire(String table, int n, long tableRows) throws InterruptedException {
        while (true) {
            Duration wait;
            synchronized (this) {
                wait = waitFor(table, n, tableRows);
                if (wait == null) {
                    Instant now = clock.now();
                    posts.addLast(now);
                    rows.addLast(new Object[]{now, (long) n});
                    tablePosts.computeIfAbsent(table, t -> new ArrayDeque<>()).addLast(now);
                    return;
                }
                waitedMillis += wait.toMillis();
            }
            clock.sleep(wait);
        }
    }

    /** Total time (in pacing-clock milliseconds) spent waiting for the limits, for the log and the benchmark. */
    public synchronized long waitedMillis() {
        return waitedMillis;
    }

    private Duration waitFor(String table, long n, long tableRows) {
        Instant now = clock.now();
        Instant minuteAgo = now.minusSeconds(60).minus(MARGIN);
        Instant hourAgo = now.minusSeconds(3600).minus(MARGIN);
        while (!posts.isEmpty() && posts.peekFirst().isBefore(minuteAgo)) {
            posts.pollFirst();
        }
        while (!rows.isEmpty() && ((Instant) rows.peekFirst()[0]).isBefore(hourAgo)) {
            rows.pollFirst();
        }
        if (posts.size() >= limits.postsPerMinute) {
            return Duration.between(minuteAgo, posts.peekFirst()).plusMillis(1);
        }
        long inHour = 0;
        for (Object[] e : rows) {
            inHour += (Long) e[1];
        }
        if (inHour + n > limits.rowsPerHour) {
            long freed = 0;
            for (Object[] e : rows) {
                freed += (Long) e[1];
                if (inHour - freed + n <= limits.rowsPerHour) {
                    return Duration.between(hourAgo, (Instant) e[0]).plusMillis(1);
                }
            }
        }
        Deque<Instant> tp = tablePosts.computeIfAbsent(table, t -> new ArrayDeque<>());
        while (!tp.isEmpty() && tp.peekFirst().isBefore(hourAgo)) {
            tp.pollFirst();
        }
        if (tableRows >= limits.largeTableRows && tp.size() >= limits.postsPerHourLargeTable) {
            return Duration.between(hourAgo, tp.peekFirst()).plusMillis(1);
        }
        return null;
    }
}
