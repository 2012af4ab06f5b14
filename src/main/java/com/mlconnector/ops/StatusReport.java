package com.mlconnector.ops;

import com.mlconnector.mapping.EntityMapping;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Per entity and destination: last success, rows, lag, failures since, dead letters waiting, watermark. */
public final class StatusReport {
    public record Line(String table, String destination, Instant lastSuccess, long rowsWritten, long rowsUnchanged,
                       Duration lag, int failuresSince, String lastError, int deadLetters, Long watermark) {
    }

    private StatusReport() {
    }

    public static List<Line> of(DataSource db, List<EntityMapping> mappings, String destination) throws SQLException {
        List<Line> lines = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            for (EntityMapping m : mappings) {
                Instant last = null;
                long written = 0;
                long unchanged = 0;
                // runs are per entity (a run delivers to every destination); dead letters and watermarks per destination
                try (PreparedStatement ps = c.prepareStatement("SELECT finished_at, rows_written, rows_unchanged FROM connector_run "
                        + "WHERE target_table = ? AND status = 'SUCCEEDED' ORDER BY finished_at DESC")) {
                    ps.setString(1, m.table());
                    ps.setMaxRows(1);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            last = rs.getTimestamp(1).toInstant();
                            written = rs.getLong(2);
                            unchanged = rs.getLong(3);
                        }
                    }
                }
                int failures = 0;
                String lastError = null;
                try (PreparedStatement ps = c.prepareStatement("SELECT error_message FROM connector_run WHERE target_table = ? "
                        + "AND status IN ('FAILED', 'PARTIAL') AND started_at > ? ORDER BY started_at DESC")) {
                    ps.setString(1, m.table());
                    ps.setTimestamp(2, Timestamp.from(last == null ? Instant.EPOCH : last));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            if (failures++ == 0) {
                                lastError = rs.getString(1);
                            }
                        }
                    }
                }
                int dead = count(c, "SELECT COUNT(*) FROM dead_letter WHERE target_table = ? AND destination = ? AND replayed_at IS NULL",
                        m.table(), destination);
                Long mark = null;
                try (PreparedStatement ps = c.prepareStatement("SELECT mark_value FROM watermark WHERE target_table = ? AND destination = ?")) {
                    ps.setString(1, m.table());
                    ps.setString(2, destination);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            mark = rs.getLong(1);
                        }
                    }
                }
                lines.add(new Line(m.table(), destination, last, written, unchanged,
                        last == null ? null : Duration.between(last, Instant.now()), failures, lastError, dead, mark));
            }
        }
        return lines;
    }

    /** Status and answer of the destination's latest audited action for the table (a batch, a replace, a refresh), or null. */
    public static String[] lastAudit(DataSource db, String table, String destination) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT status, answer FROM batch_audit WHERE target_table = ? AND destination = ? ORDER BY finished_at DESC")) {
            ps.setString(1, table);
            ps.setString(2, destination);
            ps.setMaxRows(1);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new String[]{rs.getString(1), rs.getString(2)} : null;
            }
        }
    }

    private static int count(Connection c, String sql, String table, String destination) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, table);
            ps.setString(2, destination);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    public static String render(List<Line> lines) {
        StringBuilder sb = new StringBuilder(String.format("%-15s %-11s %-21s %10s %10s %10s %8s %5s %-14s %s%n",
                "ENTITY", "DESTINATION", "LAST SUCCESS", "WRITTEN", "UNCHANGED", "LAG", "FAILURES", "DEAD", "WATERMARK", "LAST ERROR"));
        for (Line l : lines) {
            sb.append(String.format("%-15s %-11s %-21s %10s %10s %10s %8d %5d %-14s %s%n", l.table(), l.destination(),
                    l.lastSuccess() == null ? "never" : l.lastSuccess().toString().replaceFirst("\\.\\d+Z$", "Z"),
                    l.lastSuccess() == null ? "-" : String.valueOf(l.rowsWritten()),
                    l.lastSuccess() == null ? "-" : String.valueOf(l.rowsUnchanged()),
                    l.lag() == null ? "-" : lag(l.lag()), l.failuresSince(), l.deadLetters(),
                    l.watermark() == null ? "-" : String.valueOf(l.watermark()),
                    l.lastError() == null ? "" : l.lastError().substring(0, Math.min(80, l.lastError().length()))));
        }
        return sb.toString();
    }

    /** The last reconcile of a table in a destination: when, and what it corrected. */
    public record Reconcile(String table, String destination, Instant at, String corrected) {
    }

    /** The last reconcile of each table and destination. */
    public static List<Reconcile> lastReconciles(DataSource db) throws SQLException {
        List<Reconcile> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT target_table, destination, finished_at, answer FROM batch_audit a WHERE kind = 'RECONCILE' AND finished_at = "
                        + "(SELECT MAX(finished_at) FROM batch_audit b WHERE b.kind = 'RECONCILE' AND b.target_table = a.target_table "
                        + "AND b.destination = a.destination) ORDER BY target_table, destination");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Reconcile(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getString(4)));
            }
        }
        return out;
    }

    /** {@link #lastReconciles} for the terminal ("" when none ran). */
    public static String reconciles(DataSource db) throws SQLException {
        StringBuilder sb = new StringBuilder();
        for (Reconcile r : lastReconciles(db)) {
            if (sb.length() == 0) {
                sb.append("Last reconcile (sync --once --full): what the incremental runs had missed\n");
            }
            sb.append(String.format("  %-15s %-11s %-21s %s%n", r.table(), r.destination(),
                    r.at().toString().replaceFirst("\\.\\d+Z$", "Z"), r.corrected()));
        }
        return sb.toString();
    }

    /**
     * A follow-up owed (table follow_up_owed): the destination's Job or model refresh that a run which landed rows still
     * waits for, since {@code landedAt}; {@code lastFailure} is why the last try after that failed (null: not tried yet).
     */
    public record Owed(String destination, String table, String runId, Instant landedAt, String lastFailure) {
    }

    /** Every follow-up owed, by destination and table (none on a state database a version before V12 made). */
    public static List<Owed> owed(DataSource db) throws SQLException {
        List<Owed> out = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT destination, target_table, run_id, landed_at FROM follow_up_owed ORDER BY destination, target_table");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Owed(rs.getString(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(), null));
                }
            } catch (SQLException e) {
                if ("42S02".equals(e.getSQLState()) || "42P01".equals(e.getSQLState())) {
                    return out; // status migrates nothing: a state database before V12 owes nothing
                }
                throw e;
            }
            // the follow-ups' own audit rows (a refresh, a Job run) since the rows landed: the newest says why it is still owed
            try (PreparedStatement ps = c.prepareStatement("SELECT status, answer FROM batch_audit WHERE destination = ? "
                    + "AND target_table = ? AND kind IN ('REFRESH', 'JOB') AND finished_at >= ? ORDER BY finished_at DESC")) {
                ps.setMaxRows(1);
                for (int i = 0; i < out.size(); i++) {
                    Owed o = out.get(i);
                    ps.setString(1, o.destination());
                    ps.setString(2, o.table());
                    ps.setTimestamp(3, Timestamp.from(o.landedAt()));
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && !"CONFIRMED".equals(rs.getString(1))) {
                            out.set(i, new Owed(o.destination(), o.table(), o.runId(), o.landedAt(), rs.getString(2)));
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * The follow-ups owed, with how long they have waited; in the service they are asked once per window, so a short
     * wait is normal, a long one (or one after a failed sync --once) means the last one failed and it is asked again,
     * and why it failed is shown ("" when none is owed).
     */
    public static String followUpsOwed(DataSource db) throws SQLException {
        StringBuilder sb = new StringBuilder();
        Instant now = Instant.now();
        for (Owed o : owed(db)) {
            if (sb.length() == 0) {
                sb.append("Follow-ups owed (asked once for the runs that landed rows; a failed one is asked again):\n");
            }
            sb.append(String.format("  %-11s %-15s run %s, waiting %s%s%n", o.destination(), o.table(), o.runId(),
                    lag(Duration.between(o.landedAt(), now)), o.lastFailure() == null ? ""
                            : "; last try failed: " + FailureReasons.shortReason(o.lastFailure())));
        }
        return sb.toString();
    }

    private static String lag(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + "s" : s < 7200 ? (s / 60) + "m" : (s / 3600) + "h";
    }

    /** The nodes alive on this state database, and which of them runs what now ("" when none is alive). */
    public static String nodes(DataSource db, Duration leaseTime) throws SQLException {
        List<com.mlconnector.state.Nodes.Node> alive = com.mlconnector.state.Nodes.alive(db, leaseTime);
        List<com.mlconnector.state.TableLeases.Holder> leases = com.mlconnector.state.TableLeases.all(db);
        Instant now = Instant.now();
        StringBuilder sb = new StringBuilder();
        sb.append(alive.isEmpty() ? "Nodes: none alive\n" : "Nodes alive (heartbeat within " + leaseTime.toSeconds() + " s):\n");
        for (com.mlconnector.state.Nodes.Node n : alive) {
            List<String> running = leases.stream().filter(l -> l.owner().equals(n.nodeId()) && l.expiresAt().isAfter(now))
                    .map(l -> l.table() + " (run " + l.runId() + ")").toList();
            sb.append(String.format("  %-48s %-8s up since %-21s %s%n", n.nodeId(), n.role(),
                    n.startedAt().toString().replaceFirst("\\.\\d+Z$", "Z"),
                    running.isEmpty() ? "idle" : "running " + String.join(", ", running)));
        }
        for (com.mlconnector.state.TableLeases.Holder l : leases) {
            if (!l.expiresAt().isAfter(now)) {
                sb.append(String.format("  %s: lease of %s expired at %s (its node stopped; the next run takes it over)%n",
                        l.table(), l.owner(), l.expiresAt().toString().replaceFirst("\\.\\d+Z$", "Z")));
            }
        }
        return sb.toString();
    }
}
