package com.mlconnector.events;

import com.mlconnector.landing.Transactions;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The business events the connector acknowledged, in the state database (V5__business_events.sql). */
public final class EventStore {
    public enum Status { PENDING, READ, IGNORED, FAILED }

    /** One received event, as stored. */
    public record Stored(String eventId, Long controlNumber, String businessEventId, String legalEntity, String table,
                         String payload, int attempts) {
    }

    private final DataSource db;

    public EventStore(DataSource db) {
        this.db = db;
    }

    /**
     * Stores an event unless one with the same EventId or ControlNumber is stored already; true when stored. The
     * insert is committed when this returns, so the caller may acknowledge.
     */
    public boolean storeIfNew(BusinessEvent e, String table, Status status) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO business_event (event_id, control_number, business_event_id, legal_entity, target_table, payload, "
                        + "received_at, status, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)")) {
            ps.setString(1, e.eventId());
            if (e.controlNumber() == null) {
                ps.setNull(2, Types.BIGINT);
            } else {
                ps.setLong(2, e.controlNumber());
            }
            ps.setString(3, e.businessEventId());
            ps.setString(4, e.legalEntity());
            ps.setString(5, table);
            ps.setString(6, e.payload());
            ps.setTimestamp(7, Timestamp.from(Instant.now()));
            ps.setString(8, status.name());
            ps.executeUpdate();
            return true;
        } catch (SQLException ex) {
            if (ex.getSQLState() != null && ex.getSQLState().startsWith("23")) {
                return false; // EventId or ControlNumber seen before
            }
            throw ex;
        }
    }

    /** PENDING events due now, oldest first. */
    public List<Stored> due(int limit) throws SQLException {
        List<Stored> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT event_id, control_number, business_event_id, legal_entity, target_table, payload, attempts "
                        + "FROM business_event WHERE status = 'PENDING' AND (not_before IS NULL OR not_before <= ?) "
                        + "ORDER BY received_at, control_number")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now()));
            ps.setMaxRows(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long cn = rs.getLong(2);
                    out.add(new Stored(rs.getString(1), rs.wasNull() ? null : cn, rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getInt(7)));
                }
            }
        }
        return out;
    }

    /** The events' records were read and delivered by the run. */
    public void read(List<String> eventIds, String runId) throws SQLException {
        Transactions.inTransaction(db, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE business_event SET status = 'READ', run_id = ?, "
                    + "processed_at = ?, error_message = NULL WHERE event_id = ?")) {
                for (String id : eventIds) {
                    ps.setString(1, runId);
                    ps.setTimestamp(2, Timestamp.from(Instant.now()));
                    ps.setString(3, id);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }

    /**
     * The read failed: the events stay PENDING and are tried again after {@code wait}, or end FAILED after
     * {@code maxAttempts} (kept and counted by status; the scheduled read still picks up their records).
     */
    public void failed(List<Stored> events, String runId, String error, int maxAttempts, Duration wait) throws SQLException {
        Transactions.inTransaction(db, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE business_event SET attempts = attempts + 1, run_id = ?, "
                    + "error_message = ?, status = ?, not_before = ?, processed_at = ? WHERE event_id = ?")) {
                for (Stored e : events) {
                    boolean last = e.attempts() + 1 >= maxAttempts;
                    ps.setString(1, runId);
                    ps.setString(2, error == null ? null : error.substring(0, Math.min(4000, error.length())));
                    ps.setString(3, last ? Status.FAILED.name() : Status.PENDING.name());
                    ps.setTimestamp(4, Timestamp.from(Instant.now().plus(wait)));
                    ps.setTimestamp(5, last ? Timestamp.from(Instant.now()) : null);
                    ps.setString(6, e.eventId());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }

    public long count(Status status) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(*) FROM business_event WHERE status = ?")) {
            ps.setString(1, status.name());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
