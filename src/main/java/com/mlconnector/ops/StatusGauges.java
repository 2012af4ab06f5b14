package com.mlconnector.ops;

import com.mlconnector.mapping.EntityMapping;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Gauges an alert can be written on, per table and destination, read from the state database (so every node reports
 * the same): lag since the last success, its time, failures since, dead letters waiting, whether the last delivery
 * (for Tableau: the last extract refresh) succeeded, and per table whether it is paused. A scrape reads a snapshot at
 * most {@value #FRESH_SECONDS} s old.
 */
public final class StatusGauges implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusGauges.class);
    private static final long FRESH_SECONDS = 5;

    /** What a gauge reads for one table and destination. */
    private record Reading(double lagSeconds, double lastSuccess, double failures, double deadLetters, double lastOk,
                           double followUpOwedSeconds) {
    }

    private final OperatedConnector rt;
    private final Instant started = Instant.now();
    private final List<Meter> registered = new ArrayList<>();
    private MeterRegistry registry;
    private volatile Map<String, Reading> snapshot = Map.of();
    private volatile Map<String, Double> paused = Map.of();
    private volatile Instant takenAt = Instant.EPOCH;

    public StatusGauges(OperatedConnector rt) {
        this.rt = rt;
    }

    public void register(MeterRegistry registry) {
        this.registry = registry;
        for (EntityMapping m : rt.mappings().all()) {
            String t = m.table();
            registered.add(Gauge.builder("mlconnector.paused", this, g -> g.paused(t)).description("1 while the table is paused")
                    .tag("table", t).strongReference(true).register(registry));
            for (String d : rt.activeDestinations()) {
                if (!rt.takes(d, m)) {
                    continue;
                }
                String key = t + "|" + d;
                gauge("mlconnector.lag.seconds", "Seconds since the table last succeeded in the destination (never: since start-up)",
                        t, d, key, Reading::lagSeconds);
                gauge("mlconnector.last.success.timestamp.seconds", "When the table last succeeded (Unix seconds; 0: never)",
                        t, d, key, Reading::lastSuccess);
                gauge("mlconnector.failures.since.success", "Runs of the table that failed since its last success", t, d, key,
                        Reading::failures);
                gauge("mlconnector.dead.letters.waiting", "Dead-lettered batches waiting for replay", t, d, key, Reading::deadLetters);
                gauge("mlconnector.last.delivery.ok", "1 when the destination's last action for the table (a batch; for Tableau "
                        + "the extract refresh) succeeded, 0 when it failed, -1 before any", t, d, key, Reading::lastOk);
                gauge("mlconnector.follow.up.owed.seconds", "Seconds the destination's follow-up (a model refresh, a Job run) has been "
                        + "owed for the table's landed rows, 0 when none is owed; more than its coalesce window means it failed and "
                        + "is asked again", t, d, key, Reading::followUpOwedSeconds);
            }
        }
    }

    private void gauge(String name, String description, String table, String destination, String key, ToDoubleFunction<Reading> f) {
        registered.add(Gauge.builder(name, this, g -> {
            Reading r = g.reading(key);
            return r == null ? Double.NaN : f.applyAsDouble(r);
        }).description(description).tag("table", table).tag("destination", destination).strongReference(true).register(registry));
    }

    private final Deadlined<Boolean> read = new Deadlined<>(Duration.ofSeconds(2));

    private synchronized Reading reading(String key) {
        refresh();
        return snapshot.get(key);
    }

    private synchronized double paused(String table) {
        refresh();
        return paused.getOrDefault(table, Double.NaN);
    }

    private void refresh() {
        Instant now = Instant.now();
        if (Duration.between(takenAt, now).toSeconds() < FRESH_SECONDS) {
            return;
        }
        try {
            read.get(() -> {
                readNow(now);
                return Boolean.TRUE;
            });
        } catch (Exception e) {
            // the gauges show NaN rather than stale figures while the state database does not answer; the next try is
            // after FRESH_SECONDS, so one scrape of many gauges waits for it once, not once per gauge
            LOG.debug("status gauges could not be read: {}", e.getMessage());
            snapshot = Map.of();
            paused = Map.of();
            takenAt = now;
        }
    }

    /** One read of every gauge's figures (on a thread of its own: see Deadlined). */
    private void readNow(Instant now) throws Exception {
        Map<String, Reading> next = new HashMap<>();
        Map<String, Double> pausedNext = new HashMap<>();
        for (EntityMapping m : rt.mappings().all()) {
            pausedNext.put(m.table(), rt.pauses().isPaused(m.table()) ? 1.0 : 0.0);
        }
        Map<String, Instant> owedSince = new HashMap<>(); // one row per table and destination (follow_up_owed's key)
        for (StatusReport.Owed o : StatusReport.owed(rt.landing().dataSource())) {
            owedSince.put(o.table() + "|" + o.destination(), o.landedAt());
        }
        for (String d : rt.activeDestinations()) {
            List<EntityMapping> taken = rt.mappings().all().stream().filter(m -> rt.takes(d, m)).toList();
            for (StatusReport.Line l : StatusReport.of(rt.landing().dataSource(), taken, d)) {
                Instant last = l.lastSuccess();
                Instant owed = owedSince.get(l.table() + "|" + d);
                next.put(l.table() + "|" + d, new Reading(
                        Duration.between(last == null ? started : last, now).toSeconds(),
                        last == null ? 0 : last.getEpochSecond(), l.failuresSince(), l.deadLetters(), lastOk(l.table(), d),
                        owed == null ? 0 : Math.max(0, Duration.between(owed, now).toSeconds())));
            }
        }
        snapshot = next;
        paused = pausedNext;
        takenAt = now;
    }

    private double lastOk(String table, String destination) throws Exception {
        String[] last = StatusReport.lastAudit(rt.landing().dataSource(), table, destination);
        return last == null ? -1 : "CONFIRMED".equals(last[0]) ? 1 : 0;
    }

    @Override
    public void close() {
        if (registry != null) {
            registered.forEach(registry::remove);
        }
        registered.clear();
    }
}
