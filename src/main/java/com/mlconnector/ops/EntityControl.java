package com.mlconnector.ops;

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

    private final OperatedConnector rt;
    private final EntityMapping mapping;
    private final List<String> destinations;
    private final Pauses pauses;

    /** What Hawtio shows beside each attribute and operation. */
    static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry("Table", "The target table (landing database, Power BI, Databricks) this entity is delivered to"),
            Map.entry("EntitySet", "The F&O OData entity set read"),
            Map.entry("Paused", "True while paused: the schedule starts no runs, business events wait, syncNow is refused"),
            Map.entry("LastSuccess", "Per destination: when the last run that delivered to it succeeded (ISO time, or never)"),
            Map.entry("RowsDelivered", "Per destination: rows it confirmed, all runs together"),
            Map.entry("LagSeconds", "Per destination: seconds since the last success (-1: never)"),
            Map.entry("FailuresSinceSuccess", "Per destination: runs that failed since the last success"),
            Map.entry("DeadLetters", "Per destination: dead-lettered batches waiting for replay"),
            Map.entry("Watermark", "Per destination: where the next incremental read starts (growing key or day number; -1: none)"),
            Map.entry("LastError", "The error of the latest failed run, if any"),
            Map.entry("LastRun", "The latest run: id, status, times, rows read and written, and why it failed"),
            Map.entry("syncNow", "Start a run of this entity now; returns at once with the run id (LastRun shows how it ends). "
                    + "Refused while paused"),
            Map.entry("pause", "Pause the entity: its schedule starts no runs and its business events wait until resume "
                    + "(kept across restarts)"),
            Map.entry("resume", "Resume a paused entity: the schedule runs again and waiting business events are read"),
            Map.entry("replayDeadLetters", "Re-deliver every dead-lettered batch of this entity (idempotent); returns what "
                    + "happened to each"));

    public EntityControl(OperatedConnector rt, EntityMapping mapping, List<String> destinations, Pauses pauses) {
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
        if (pauses.isPaused(mapping.table())) {
            LOG.info("JMX: sync of {} asked for and refused: it is paused", mapping.entitySet());
            return "refused: " + mapping.table() + " is paused; resume it first";
        }
        String runId = rt.startSync(mapping.entitySet(), "jmx");
        LOG.info("JMX: sync of {} asked for: run {} started", mapping.entitySet(), runId);
        return "started run " + runId + " (LastRun shows how it ends)";
    }

    @Override
    public String getLastRun() {
        try (Connection c = rt.landing().dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT run_id, status, started_at, finished_at, rows_read, rows_written, error_message FROM connector_run "
                        + "WHERE target_table = ? ORDER BY started_at DESC")) {
            ps.setString(1, mapping.table());
            ps.setMaxRows(1);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return "never run";
                }
                String error = rs.getString(7);
                return "run " + rs.getString(1) + " " + rs.getString(2) + ", started " + rs.getTimestamp(3).toInstant()
                        + (rs.getTimestamp(4) == null ? "" : ", ended " + rs.getTimestamp(4).toInstant())
                        + ", " + rs.getLong(5) + " rows read, " + rs.getLong(6) + " written"
                        + (error == null ? "" : ": " + FailureReasons.shortReason(error));
            }
        } catch (Exception e) {
            throw new IllegalStateException("state database: " + e.getMessage());
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
            List<OperatedConnector.ReplayResult> outcomes = rt.replay(ids);
            long failed = outcomes.stream().filter(o -> !o.ok()).count();
            return (outcomes.size() - failed) + " replayed, " + failed + " failed"
                    + (failed == 0 ? "" : ": " + outcomes.stream().filter(o -> !o.ok()).map(OperatedConnector.ReplayResult::detail).toList());
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
