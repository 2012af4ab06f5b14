package com.mlconnector.state;

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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Table leases in the state database (V8): a run holds its table while it lasts, whichever process or node it runs
 * in. A lease names its owner (this process, {@link NodeIdentity}) and its run, and expires unless the owner renews it
 * ({@link #renew}, every third of the lease time); an expired lease belongs to a process that died and may be taken.
 * Times are this node's clock: nodes sharing a database keep their clocks in step (NTP), well within the lease time.
 */
public final class TableLeases {
    /** Who holds a table. */
    public record Holder(String table, String owner, String runId, Instant acquiredAt, Instant expiresAt) {
        public String describe() {
            return "run " + runId + " of node " + owner + " (since " + acquiredAt + ", lease until " + expiresAt + ")";
        }
    }

    private final DataSource db;
    private final String owner;
    private final Duration ttl;
    /** The leases this process holds: table → run. */
    private final Map<String, String> held = new ConcurrentHashMap<>();
    /** Runs whose lease another process took after it expired (this one stalled): they must stop. */
    private final Map<String, Boolean> lost = new ConcurrentHashMap<>();

    public TableLeases(DataSource db, String owner, Duration ttl) {
        this.db = db;
        this.owner = owner;
        this.ttl = ttl;
    }

    public String owner() {
        return owner;
    }

    public Duration ttl() {
        return ttl;
    }

    /**
     * Takes the table for the run if nobody holds it, or its holder's lease expired; returns null when taken, else
     * who holds it. A run whose lease this takes over is returned through {@code takenFrom} (it was abandoned).
     */
    public Holder tryAcquire(String table, String runId, List<String> takenFrom) throws SQLException {
        Instant now = Instant.now();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                Holder current = holder(c, table, true);
                if (current != null && current.expiresAt().isAfter(now)) {
                    c.rollback();
                    return current;
                }
                if (current == null) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO table_lease (target_table, owner, run_id, acquired_at, "
                            + "expires_at) VALUES (?, ?, ?, ?, ?)")) {
                        ps.setString(1, table);
                        ps.setString(2, owner);
                        ps.setString(3, runId);
                        ps.setTimestamp(4, Timestamp.from(now));
                        ps.setTimestamp(5, Timestamp.from(now.plus(ttl)));
                        ps.executeUpdate();
                    }
                } else {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE table_lease SET owner = ?, run_id = ?, acquired_at = ?, "
                            + "expires_at = ? WHERE target_table = ? AND run_id = ? AND expires_at = ?")) {
                        ps.setString(1, owner);
                        ps.setString(2, runId);
                        ps.setTimestamp(3, Timestamp.from(now));
                        ps.setTimestamp(4, Timestamp.from(now.plus(ttl)));
                        ps.setString(5, table);
                        ps.setString(6, current.runId());
                        ps.setTimestamp(7, Timestamp.from(current.expiresAt()));
                        if (ps.executeUpdate() == 0) {
                            c.rollback();
                            return holder(table); // someone else took it first
                        }
                    }
                    takenFrom.add(current.runId());
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                    Holder h = holder(table); // another process inserted it first
                    return h != null ? h : new Holder(table, "?", "?", now, now);
                }
                throw e;
            }
        }
        held.put(table, runId);
        return null;
    }

    /** Gives the table up (only this run's lease: one taken over by another process stays theirs). */
    public void release(String table, String runId) throws SQLException {
        held.remove(table, runId);
        lost.remove(runId);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "DELETE FROM table_lease WHERE target_table = ? AND run_id = ? AND owner = ?")) {
            ps.setString(1, table);
            ps.setString(2, runId);
            ps.setString(3, owner);
            ps.executeUpdate();
        }
    }

    /**
     * The heartbeat: extends every lease this process holds. A lease that is no longer ours (it expired while this
     * process stalled, and another took it) marks its run lost. Returns the leases renewed.
     */
    public int renew() throws SQLException {
        int renewed = 0;
        Instant until = Instant.now().plus(ttl);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE table_lease SET expires_at = ? WHERE target_table = ? AND run_id = ? AND owner = ?")) {
            for (Map.Entry<String, String> h : held.entrySet()) {
                ps.setTimestamp(1, Timestamp.from(until));
                ps.setString(2, h.getKey());
                ps.setString(3, h.getValue());
                ps.setString(4, owner);
                if (ps.executeUpdate() == 1) {
                    renewed++;
                } else if (held.remove(h.getKey(), h.getValue())) {
                    lost.put(h.getValue(), Boolean.TRUE);
                }
            }
        }
        return renewed;
    }

    /** True when the run's lease was taken by another process: the run must stop writing. */
    public boolean isLost(String runId) {
        return lost.containsKey(runId);
    }

    public Holder holder(String table) throws SQLException {
        try (Connection c = db.getConnection()) {
            return holder(c, table, false);
        }
    }

    private static Holder holder(Connection c, String table, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT target_table, owner, run_id, acquired_at, expires_at FROM table_lease "
                + "WHERE target_table = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Holder(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getTimestamp(4).toInstant(), rs.getTimestamp(5).toInstant()) : null;
            }
        }
    }

    /** Every lease, live or expired. */
    public static List<Holder> all(DataSource db) throws SQLException {
        List<Holder> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT target_table, owner, run_id, acquired_at, expires_at FROM table_lease ORDER BY target_table");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Holder(rs.getString(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(),
                        rs.getTimestamp(5).toInstant()));
            }
        }
        return out;
    }
}
