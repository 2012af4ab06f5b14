package com.mlconnector.sync;

import com.mlconnector.destination.AfterRuns;
import com.mlconnector.state.FollowUpsOwed;
import com.mlconnector.state.TableLeases;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * "After the runs that landed rows": a table run that landed rows owes its destinations' follow-ups (state table
 * follow_up_owed), and each destination asks its follow-up once for what is owed:
 * <ul>
 * <li>a one-off run of one table: at the end of that run, as before;</li>
 * <li>{@code sync --once} of several tables: once, after all of them (header {@link #DEFER});</li>
 * <li>the service: once per window ({@code databricks.coalesce-seconds}, {@code powerbi.refresh-coalesce-seconds}), from
 * the timer route {@code follow-ups} of routes/sync.yaml, on one node at a time (a lease on {@code follow-up:<name>}).</li>
 * </ul>
 * A follow-up that fails stays owed and is asked again: by the next run, the next window, or the next sync.
 */
public final class FollowUps {
    /** Header: this run's follow-ups are asked by its caller once the other tables ran too (sync --once of several). */
    public static final String DEFER = "deferFollowUps";
    private static final Logger LOG = LoggerFactory.getLogger(FollowUps.class);

    private final FollowUpsOwed owed;
    private final TableLeases leases;
    private final boolean coalescing;
    private final List<AfterRuns> destinations = new CopyOnWriteArrayList<>();
    /** After a failed follow-up the service waits a window before asking again (not every tick of the timer). */
    private final Map<String, Instant> notBefore = new ConcurrentHashMap<>();

    /**
     * @param coalescing true in the service, where the timer asks follow-ups once per window; false in a one-off
     *                   process, where a run not deferred asks them at its end
     */
    public FollowUps(FollowUpsOwed owed, TableLeases leases, boolean coalescing) {
        this.owed = owed;
        this.leases = leases;
        this.coalescing = coalescing;
    }

    public void register(AfterRuns destination) {
        destinations.add(destination);
    }

    /**
     * The run landed rows the destination's follow-up must cover: owed; asked now unless the caller defers it (several
     * tables) or the service coalesces it. Throws when asked now and it failed (the run's follow-up step is retried).
     */
    public void owe(AfterRuns destination, String table, String runId, boolean deferred) throws Exception {
        owed.owe(destination.name(), table, runId);
        if (!deferred && !coalescing) {
            ask(destination);
        }
    }

    /**
     * A run that landed nothing: what the destination still owes from earlier runs (a refresh that failed) is asked at its
     * end, unless the caller defers it or the service coalesces it. Throws when asked and it failed.
     */
    public void askOwed(AfterRuns destination, boolean deferred) throws Exception {
        if (!deferred && !coalescing) {
            ask(destination);
        }
    }

    /** Everything owed, asked now, one follow-up per destination (the end of sync --once); the problems, if any. */
    public List<String> askAll() {
        List<String> problems = new ArrayList<>();
        for (AfterRuns d : destinations) {
            try {
                ask(d);
            } catch (Exception e) {
                problems.add(d.name() + ": " + e.getMessage());
            }
        }
        return problems;
    }

    /** The service's timer: each destination whose oldest owed run is a window old asks its follow-up once. */
    public void askDue() {
        if (!coalescing) {
            return; // a one-off process asks them at the end of its runs
        }
        Instant now = Instant.now();
        for (AfterRuns d : destinations) {
            try {
                List<FollowUpsOwed.Owed> o = owed.owed(d.name());
                if (o.isEmpty() || now.isBefore(notBefore.getOrDefault(d.name(), Instant.EPOCH))) {
                    continue;
                }
                Instant oldest = o.stream().map(FollowUpsOwed.Owed::landedAt).min(Instant::compareTo).orElse(now);
                if (Duration.between(oldest, now).toSeconds() >= d.coalesceSeconds()) {
                    ask(d);
                }
            } catch (Exception e) {
                notBefore.put(d.name(), now.plusSeconds(Math.max(5, d.coalesceSeconds())));
                LOG.warn("{}: the follow-up owed after the last runs did not succeed, asked again in {} s: {}", d.name(),
                        Math.max(5, d.coalesceSeconds()), e.getMessage());
            }
        }
    }

    /** What a destination owes now (status). */
    public List<FollowUpsOwed.Owed> owed(String destination) throws java.sql.SQLException {
        return owed.owed(destination);
    }

    private void ask(AfterRuns d) throws Exception {
        List<FollowUpsOwed.Owed> o = owed.owed(d.name());
        if (o.isEmpty()) {
            return;
        }
        // one node at a time: two nodes' timers must not both start the job for the same runs
        String lease = "follow-up:" + d.name();
        String holder = "follow-up-" + UUID.randomUUID();
        if (leases.tryAcquire(lease, holder, new ArrayList<>()) != null) {
            return; // another process is asking it now
        }
        try {
            o = owed.owed(d.name()); // as they are now that this process holds it
            if (!o.isEmpty()) {
                d.followUp(o);
                owed.settle(d.name(), o);
                notBefore.remove(d.name());
            }
        } finally {
            leases.release(lease, holder);
        }
    }
}
