package com.mlconnector.ops;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.Replay;
import com.mlconnector.app.StatusReport;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.state.DeadLetters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The JMX view and levers of one entity (see {@link EntityControlMXBean}); every read asks the state database. */
public final class EntityControl implements EntityControlMXBean {
    private static final Logger LOG = LoggerFactory.getLogger(EntityControl.class);

    private final ConnectorRuntime rt;
    private final EntityMapping mapping;
    private final List<String> destinations;
    private final Pauses pauses;

    public EntityControl(ConnectorRuntime rt, EntityMapping mapping, List<String> destinations, Pauses pauses) {
        this.rt = rt;
        this.mapping = mapping;
        this.destinations = destinations;
        this.pauses = pauses;
    }

    @Override public String getTable() { return mapping.table(); }
    @Override public String getEntitySet() { return mapping.entitySet(); }
    @Override public boolean isPaused() { return pauses.isPaused(mapping.table()); }

    @Override
    public Map<String, String> getLastSuccess() {
        return perDestination(l -> l.lastSuccess() == null ? "never" : l.lastSuccess().toString());
    }

    @Override
    public Map<String, Long> getRowsDelivered() {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Connection c = rt.landing().dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT destination, COALESCE(SUM(row_count), 0) FROM batch_audit WHERE target_table = ? AND status = 'CONFIRMED' "
                        + "AND kind IN ('UPSERT', 'DELETE', 'REPLACE') GROUP BY destination")) {
            ps.setString(1, mapping.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getLong(2));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("state database: " + e.getMessage());
        }
        destinations.forEach(d -> out.putIfAbsent(d, 0L));
        return out;
    }

    @Override
    public Map<String, Long> getLagSeconds() {
        return perDestination(l -> l.lag() == null ? -1L : l.lag().toSeconds());
    }

    @Override
    public Map<String, Integer> getFailuresSinceSuccess() {
        return perDestination(StatusReport.Line::failuresSince);
    }

    @Override
    public Map<String, Integer> getDeadLetters() {
        return perDestination(StatusReport.Line::deadLetters);
    }

    @Override
    public Map<String, Long> getWatermark() {
        return perDestination(l -> l.watermark() == null ? -1L : l.watermark());
    }

    @Override
    public String getLastError() {
        List<StatusReport.Line> lines = lines();
        return lines.isEmpty() || lines.get(0).lastError() == null ? "" : lines.get(0).lastError();
    }

    @Override
    public String syncNow() {
        LOG.info("JMX: sync of {} asked for", mapping.entitySet());
        try {
            rt.syncNow(mapping.entitySet(), "jmx");
            return "succeeded";
        } catch (RuntimeException e) {
            Throwable c = e;
            while (c.getCause() != null && c.getCause() != c) {
                c = c.getCause();
            }
            return "did not succeed: " + c.getMessage();
        }
    }

    @Override
    public void pause() {
        try {
            pauses.pause(mapping.table());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("the pause could not be stored: " + e.getMessage());
        }
        LOG.warn("JMX: {} paused: its schedule starts no runs and its business events wait until resumed (also after a restart)",
                mapping.table());
    }

    @Override
    public void resume() {
        try {
            pauses.resume(mapping.table());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("the resume could not be stored: " + e.getMessage());
        }
        LOG.info("JMX: {} resumed", mapping.table());
    }

    @Override
    public String replayDeadLetters() {
        try {
            List<String> ids = rt.deadLetters().list(true).stream()
                    .filter(e -> e.table().equals(mapping.table())).map(DeadLetters.Entry::batchId).toList();
            if (ids.isEmpty()) {
                return "no dead letters";
            }
            List<Replay.Outcome> outcomes = Replay.run(rt, ids);
            long failed = outcomes.stream().filter(o -> !o.ok()).count();
            return (outcomes.size() - failed) + " replayed, " + failed + " failed"
                    + (failed == 0 ? "" : ": " + outcomes.stream().filter(o -> !o.ok()).map(Replay.Outcome::detail).toList());
        } catch (Exception e) {
            return "replay failed: " + e.getMessage();
        }
    }

    private List<StatusReport.Line> lines() {
        return destinations.stream().flatMap(d -> {
            try {
                return StatusReport.of(rt.landing().dataSource(), List.of(mapping), d).stream();
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("state database: " + e.getMessage());
            }
        }).toList();
    }

    private <T> Map<String, T> perDestination(Function<StatusReport.Line, T> f) {
        Map<String, T> out = new LinkedHashMap<>();
        for (StatusReport.Line l : lines()) {
            out.put(l.destination(), f.apply(l));
        }
        return out;
    }
}
