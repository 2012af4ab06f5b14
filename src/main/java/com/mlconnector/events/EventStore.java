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

/**
 * The business events the connector acknowledged, in the state database (V5__business_events.sql), and the reads each
 * leads to (V7__business_event_reads.sql): one per table the event map names, each with its own status, attempts and
 * run. The event's status sums its reads up.
 */
public final class EventStore {
    public enum Status { PENDING, READ, IGNORED, FAILED }

    /** One read of a received event, as stored: {@code table} is the table this read is for. */
    public record Stored(String eventId, Long controlNumber, String businessEventId, String legalEntity, String table,
                         String payload, int attempts) {
    }

    private final DataSource db;

    public EventStore(DataSource db) {
        this.db = db;
    }

    /**
     * Stores an event, and a PENDING read for each table given (none: the event is kept IGNORED), unless one with the
     * same EventId or ControlNumber is stored already; true when stored. Committed when this returns, so the caller
     * may acknowledge.
     */
    public boolean storeIfNew(BusinessEvent e, List<String> tables) throws SQLException {
        try {
            Transactions.inTransaction(db, c -> {
                try (PreparedStatement ps = c.prepareStatement(
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
                    ps.setString(5, tables.isEmpty() ? null : String.join(",", tables));
                    ps.setString(6, e.payload());
                    ps.setTimestamp(7, Timestamp.from(Instant.now()));
                    ps.setString(8, (tables.isEmpty() ? Status.IGNORED : Status.PENDING).name());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO business_event_read (event_id, target_table, status, "
                        + "attempts) VALUES (?, ?, 'PENDING', 0)")) {
                    for (String t : tables) {
                        ps.setString(1, e.eventId());
                        ps.setString(2, t);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            });
            return true;
        } catch (SQLException ex) {
            if (ex.getSQLState() != null && ex.getSQLState().startsWith("23")) {
                return false; // EventId or ControlNumber seen before
            }
            throw ex;
        }
    }

    /** PENDING reads due now, oldest event first. */
    public List<Stored> due(int limit) throws SQLException {
        List<Stored> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT e.event_id, e.control_number, e.business_event_id, e.legal_entity, r.target_table, e.payload, r.attempts "
                        + "FROM business_event_read r JOIN business_event e ON e.event_id = r.event_id "
                        + "WHERE r.status = 'PENDING' AND (r.not_before IS NULL OR r.not_before <= ?) "
                        + "ORDER BY e.received_at, e.control_number, r.target_table")) {
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

    /** The reads' records were read and delivered by the run. */
    public void read(List<Stored> reads, String runId) throws SQLException {
        Transactions.inTransaction(db, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE business_event_read SET status = 'READ', run_id = ?, "
                    + "processed_at = ?, error_message = NULL WHERE event_id = ? AND target_table = ?")) {
                for (Stored r : reads) {
                    ps.setString(1, runId);
                    ps.setTimestamp(2, Timestamp.from(Instant.now()));
                    ps.setString(3, r.eventId());
                    ps.setString(4, r.table());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            sumUp(c, reads, runId);
        });
    }

    /** Each event's status from its reads: FAILED when one gave up, PENDING while one waits, else READ. */
    private static void sumUp(Connection c, List<Stored> reads, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE business_event SET "
                + "status = CASE WHEN EXISTS (SELECT 1 FROM business_event_read r WHERE r.event_id = business_event.event_id "
                + "AND r.status = 'FAILED') THEN 'FAILED' WHEN EXISTS (SELECT 1 FROM business_event_read r WHERE r.event_id = "
                + "business_event.event_id AND r.status = 'PENDING') THEN 'PENDING' ELSE 'READ' END, "
                + "attempts = (SELECT MAX(r.attempts) FROM business_event_read r WHERE r.event_id = business_event.event_id), "
                + "not_before = (SELECT MIN(r.not_before) FROM business_event_read r WHERE r.event_id = business_event.event_id "
                + "AND r.status = 'PENDING'), "
                + "run_id = ?, processed_at = CASE WHEN EXISTS (SELECT 1 FROM business_event_read r WHERE r.event_id = "
                + "business_event.event_id AND r.status = 'PENDING') THEN NULL ELSE (SELECT MAX(r.processed_at) FROM "
                + "business_event_read r WHERE r.event_id = business_event.event_id) END, "
                + "error_message = (SELECT MAX(r.target_table || ': ' || r.error_message) FROM business_event_read r "
                + "WHERE r.event_id = business_event.event_id AND r.status <> 'READ') WHERE event_id = ?")) {
            for (String id : reads.stream().map(Stored::eventId).distinct().toList()) {
                ps.setString(1, runId); // the run of the latest read
                ps.setString(2, id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * The read failed: the events stay PENDING and are tried again after {@code wait}, or end FAILED after
     * {@code maxAttempts} (kept and counted by status; the scheduled read still picks up their records).
     */
    public void failed(List<Stored> events, String runId, String error, int maxAttempts, Duration wait) throws SQLException {
        Transactions.inTransaction(db, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE business_event_read SET attempts = attempts + 1, run_id = ?, "
                    + "error_message = ?, status = ?, not_before = ?, processed_at = ? WHERE event_id = ? AND target_table = ?")) {
                for (Stored e : events) {
                    boolean last = e.attempts() + 1 >= maxAttempts;
                    ps.setString(1, runId);
                    ps.setString(2, error == null ? null : error.substring(0, Math.min(4000, error.length())));
                    ps.setString(3, last ? Status.FAILED.name() : Status.PENDING.name());
                    ps.setTimestamp(4, Timestamp.from(Instant.now().plus(wait)));
                    ps.setTimestamp(5, last ? Timestamp.from(Instant.now()) : null);
                    ps.setString(6, e.eventId());
                    ps.setString(7, e.table());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            sumUp(c, events, runId);
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
