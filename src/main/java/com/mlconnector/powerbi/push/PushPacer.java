package com.mlconnector.powerbi.push;

import com.mlconnector.http.PacingClock;
import com.mlconnector.powerbi.PowerBiSettings;

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
    private final Deque<Permit> posts = new ArrayDeque<>();
    private final Deque<Permit> rows = new ArrayDeque<>();
    private final Map<String, Deque<Permit>> tablePosts = new HashMap<>();

    public PushPacer(PacingClock clock, PowerBiSettings limits) {
        this.clock = clock;
        this.limits = limits;
    }

    /**
     * A POST counted against the limits. It counts from when it was sent until {@link #sent()} moves it to when the
     * answer came: Power BI counts it from when it received it, which lies in between, so the window never closes
     * early on our side.
     */
    public final class Permit {
        private volatile Instant at;
        private final long rows;

        private Permit(Instant at, long rows) {
            this.at = at;
            this.rows = rows;
        }

        public void sent() {
            at = clock.now();
        }
    }

    /** Waits until a POST of {@code n} rows to a table now holding {@code tableRows} rows is within the limits. */
    public Permit acquire(String table, int n, long tableRows) throws InterruptedException {
        while (true) {
            Duration wait;
            synchronized (this) {
                wait = waitFor(table, n, tableRows);
                if (wait == null) {
                    Permit p = new Permit(clock.now(), n);
                    posts.addLast(p);
                    rows.addLast(p);
                    tablePosts.computeIfAbsent(table, t -> new ArrayDeque<>()).addLast(p);
                    return p;
                }
            }
            clock.sleep(wait);
        }
    }

    private Duration waitFor(String table, long n, long tableRows) {
        Instant now = clock.now();
        Instant minuteAgo = now.minusSeconds(60).minus(MARGIN);
        Instant hourAgo = now.minusSeconds(3600).minus(MARGIN);
        while (!posts.isEmpty() && posts.peekFirst().at.isBefore(minuteAgo)) {
            posts.pollFirst();
        }
        while (!rows.isEmpty() && rows.peekFirst().at.isBefore(hourAgo)) {
            rows.pollFirst();
        }
        if (posts.size() >= limits.postsPerMinute) {
            return Duration.between(minuteAgo, posts.peekFirst().at).plusMillis(1);
        }
        long inHour = 0;
        for (Permit e : rows) {
            inHour += e.rows;
        }
        if (inHour + n > limits.rowsPerHour) {
            long freed = 0;
            for (Permit e : rows) {
                freed += e.rows;
                if (inHour - freed + n <= limits.rowsPerHour) {
                    return Duration.between(hourAgo, e.at).plusMillis(1);
                }
            }
        }
        Deque<Permit> tp = tablePosts.computeIfAbsent(table, t -> new ArrayDeque<>());
        while (!tp.isEmpty() && tp.peekFirst().at.isBefore(hourAgo)) {
            tp.pollFirst();
        }
        if (tableRows >= limits.largeTableRows && tp.size() >= limits.postsPerHourLargeTable) {
            return Duration.between(hourAgo, tp.peekFirst().at).plusMillis(1);
        }
        return null;
    }
}
