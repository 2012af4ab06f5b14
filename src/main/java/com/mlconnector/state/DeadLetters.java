package com.mlconnector.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mlconnector.mapping.ColumnType;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.sync.Batch;
import com.mlconnector.sync.Mappings;

import javax.sql.DataSource;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches a destination would not take after every retry, kept whole (rows included, as JSON with every value in
 * text form and typed again from the mapping on the way back) until they are replayed.
 */
public final class DeadLetters {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Entry(String batchId, String table, String destination, String kind, int rows, String reason,
                        Instant created, Instant replayed) {
    }

    private final DataSource db;

    public DeadLetters(DataSource db) {
        this.db = db;
    }

    public void store(Batch b, String destination, String reason) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO dead_letter "
                + "(batch_id, target_table, destination, kind, row_count, reason, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, b.id());
            ps.setString(2, b.mapping().table());
            ps.setString(3, destination);
            ps.setString(4, b.kind().name());
            ps.setInt(5, b.size());
            ps.setString(6, reason == null ? null : reason.substring(0, Math.min(4000, reason.length())));
            ps.setString(7, payload(b));
            ps.setTimestamp(8, Timestamp.from(Instant.now()));
            ps.executeUpdate();
        }
    }

    /** Every dead letter, oldest first; with {@code pendingOnly}, those not yet replayed. */
    public List<Entry> list(boolean pendingOnly) throws SQLException {
        List<Entry> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT batch_id, target_table, destination, kind, row_count, reason, created_at, replayed_at FROM dead_letter"
                        + (pendingOnly ? " WHERE replayed_at IS NULL" : "") + " ORDER BY created_at, batch_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Timestamp replayed = rs.getTimestamp(8);
                out.add(new Entry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                        rs.getString(6), rs.getTimestamp(7).toInstant(), replayed == null ? null : replayed.toInstant()));
            }
        }
        return out;
    }

    /**
     * Batch ids of a table's dead letters for one destination still waiting, oldest first, made before an instant (so a
     * run's own dead letters are left to a later one).
     */
    public List<String> waiting(String table, String destination, Instant before, int limit) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT batch_id FROM dead_letter WHERE target_table = ? AND destination = ? AND replayed_at IS NULL "
                        + "AND created_at < ? ORDER BY created_at, batch_id")) {
            ps.setString(1, table);
            ps.setString(2, destination);
            ps.setTimestamp(3, Timestamp.from(before));
            ps.setMaxRows(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** Marks every waiting dead letter of a table for one destination replayed (a Power BI table made whole covers them all). */
    public int markAllReplayed(String table, String destination) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE dead_letter SET replayed_at = ? WHERE target_table = ? AND destination = ? AND replayed_at IS NULL")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now()));
            ps.setString(2, table);
            ps.setString(3, destination);
            return ps.executeUpdate();
        }
    }

    /** The batch as it was, rows typed again from its mapping. */
    public Batch load(String batchId, Mappings mappings) throws SQLException, IOException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT target_table, payload FROM dead_letter WHERE batch_id = ?")) {
            ps.setString(1, batchId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("no dead letter with batch id " + batchId);
                }
                return fromPayload(batchId, mappings.get(rs.getString(1)), rs.getString(2));
            }
        }
    }

    public String destinationOf(String batchId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT destination FROM dead_letter WHERE batch_id = ?")) {
            ps.setString(1, batchId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Is the dead letter still waiting for a replay (not replayed, nor answered by a table made whole)? */
    public boolean isWaiting(String batchId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM dead_letter WHERE batch_id = ? AND replayed_at IS NULL")) {
            ps.setString(1, batchId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public void markReplayed(String batchId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE dead_letter SET replayed_at = ? WHERE batch_id = ?")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now()));
            ps.setString(2, batchId);
            ps.executeUpdate();
        }
    }

    private static String payload(Batch b) {
        ObjectNode root = JSON.createObjectNode();
        root.put("runId", b.runId());
        root.put("sequence", b.sequence());
        root.put("kind", b.kind().name());
        ArrayNode keys = root.putArray("keys");
        b.keys().forEach(keys::add);
        ArrayNode hashes = root.putArray("hashes");
        for (long h : b.hashes()) {
            hashes.add(h);
        }
        ArrayNode rows = root.putArray("rows");
        for (Object[] r : b.rows()) {
            ArrayNode row = rows.addArray();
            for (Object v : r) {
                if (v == null) {
                    row.addNull();
                } else if (v instanceof BigDecimal d) {
                    row.add(d.toPlainString());
                } else {
                    row.add(v.toString());
                }
            }
        }
        return root.toString();
    }

    private static Batch fromPayload(String id, EntityMapping m, String payload) throws IOException {
        JsonNode root = JSON.readTree(payload);
        List<String> keys = new ArrayList<>();
        root.path("keys").forEach(k -> keys.add(k.asText()));
        long[] hashes = new long[keys.size()];
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = root.path("hashes").get(i).asLong();
        }
        List<Object[]> rows = new ArrayList<>();
        for (JsonNode r : root.path("rows")) {
            Object[] row = new Object[m.columns().size()];
            for (int i = 0; i < row.length && i < r.size(); i++) {
                row[i] = r.get(i).isNull() ? null : typed(m.columns().get(i).type(), r.get(i).asText());
            }
            rows.add(row);
        }
        return new Batch(id, root.path("runId").asText(), m, root.path("sequence").asInt(),
                Batch.Kind.valueOf(root.path("kind").asText()), rows, keys, hashes);
    }

    private static Object typed(ColumnType t, String s) {
        return switch (t) {
            case STRING, ENUM -> s;
            case INT -> Integer.parseInt(s);
            case LONG -> Long.parseLong(s);
            case DECIMAL -> new BigDecimal(s);
            case BOOLEAN -> Boolean.parseBoolean(s);
            case DATETIME -> OffsetDateTime.parse(s);
            case DATE -> LocalDate.parse(s);
        };
    }
}
