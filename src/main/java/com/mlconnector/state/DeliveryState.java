package com.mlconnector.state;

import com.mlconnector.landing.LandingDialect;
import com.mlconnector.landing.Transactions;
import com.mlconnector.sync.Batch;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The connector's memory of each destination, in the state tables (Flyway V2): the hash of every key it confirmed,
 * the watermark where the next read starts, and the audit trail of batches.
 */
public final class DeliveryState {
    private final DataSource db;
    private final LandingDialect dialect;
    private final String upsertKey;
    private final String upsertMark;
    private final String insertSeen;

    public DeliveryState(DataSource db, LandingDialect dialect) {
        this.db = db;
        this.dialect = dialect;
        // a key read twice in one run (a page that shifted) is seen once
        this.insertSeen = dialect.upsert("seen_key", List.of("run_id", "key_text"), List.of("run_id", "key_text"), false);
        this.upsertKey = dialect.upsert("delivered_key", List.of("target_table", "destination", "key_text", "row_hash", "scope_value"),
                List.of("target_table", "destination", "key_text"), false);
        this.upsertMark = dialect.upsert("watermark", List.of("target_table", "destination", "mark_value", "updated_at"),
                List.of("target_table", "destination"), false);
    }

    /**
     * Records the keys a full read found in F&O, for the length of the run ({@link #vanished} then tells the deletes
     * without holding every key in the heap).
     */
    public void seen(String runId, List<String> keys) throws SQLException {
        Transactions.inTransaction(db, c -> {
            try (PreparedStatement ps = c.prepareStatement(insertSeen)) {
                for (String k : keys) {
                    ps.setString(1, runId);
                    ps.setString(2, k);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }

    /**
     * The keys the destination holds that the run's full read did not find, in key order, streamed (on PostgreSQL a
     * fetch size streams only outside autocommit) and handed over one at a time: memory does not grow with the table.
     */
    public void vanished(String table, String destination, String runId, java.util.function.Consumer<String> each) throws SQLException {
        try (Connection c = db.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("SELECT d.key_text FROM delivered_key d WHERE d.target_table = ? "
                    + "AND d.destination = ? AND NOT EXISTS (SELECT 1 FROM seen_key s WHERE s.run_id = ? AND s.key_text = d.key_text) "
                    + "ORDER BY d.key_text")) {
                ps.setString(1, table);
                ps.setString(2, destination);
                ps.setString(3, runId);
                ps.setFetchSize(5_000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        each.accept(rs.getString(1));
                    }
                }
            } finally {
                c.rollback();
                c.setAutoCommit(auto);
            }
        }
    }

    /** The run is over: the keys it saw are forgotten (and those of runs that ended without saying so). */
    public void forgetSeen(String runId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "DELETE FROM seen_key WHERE run_id = ? OR run_id NOT IN (SELECT run_id FROM connector_run WHERE status = 'RUNNING')")) {
            ps.setString(1, runId);
            ps.executeUpdate();
        }
    }

    /**
     * The hashes the destination holds for these keys (change detection looks them up per batch). The keys travel as
     * one array parameter joined to the primary key: H2 scans for a long IN list, PostgreSQL uses the index for ANY.
     */
    public Map<String, Long> hashes(String table, String destination, List<String> keys) throws SQLException {
        Map<String, Long> map = new HashMap<>();
        String sql = dialect == LandingDialect.H2
                ? "SELECT d.key_text, d.row_hash FROM TABLE(k VARCHAR(1000) = ?) x JOIN delivered_key d ON d.target_table = ? "
                        + "AND d.destination = ? AND d.key_text = x.k"
                : "SELECT key_text, row_hash FROM delivered_key WHERE key_text = ANY(?) AND target_table = ? AND destination = ?";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int from = 0; from < keys.size(); from += 5_000) {
                List<String> part = keys.subList(from, Math.min(keys.size(), from + 5_000));
                ps.setArray(1, c.createArrayOf("VARCHAR", part.toArray()));
                ps.setString(2, table);
                ps.setString(3, destination);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        map.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
        }
        return map;
    }

    public Long watermark(String table, String destination) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT mark_value FROM watermark WHERE target_table = ? AND destination = ?")) {
            ps.setString(1, table);
            ps.setString(2, destination);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    public void setWatermark(String table, String destination, long value) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(upsertMark)) {
            ps.setString(1, table);
            ps.setString(2, destination);
            ps.setLong(3, value);
            ps.setTimestamp(4, Timestamp.from(Instant.now()));
            ps.executeUpdate();
        }
    }

    /** Records a batch the destination confirmed: its keys' hashes (or their removal) and its audit row, in one transaction. */
    public void confirmed(Batch b, String destination, Long[] scopes, int attempts, String answer, Instant started) throws SQLException {
        Transactions.inTransaction(db, c -> {
            if (b.kind() == Batch.Kind.UPSERT) {
                try (PreparedStatement ps = c.prepareStatement(upsertKey)) {
                    for (int i = 0; i < b.size(); i++) {
                        ps.setString(1, b.mapping().table());
                        ps.setString(2, destination);
                        ps.setString(3, b.keys().get(i));
                        ps.setLong(4, b.hashes()[i]);
                        if (scopes[i] == null) {
                            ps.setNull(5, Types.BIGINT);
                        } else {
                            ps.setLong(5, scopes[i]);
                        }
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            } else {
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM delivered_key WHERE target_table = ? AND destination = ? AND key_text = ?")) {
                    for (String k : b.keys()) {
                        ps.setString(1, b.mapping().table());
                        ps.setString(2, destination);
                        ps.setString(3, k);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            audit(c, b, destination, "CONFIRMED", attempts, answer, started);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM pending_delivery WHERE batch_id = ?")) {
                ps.setString(1, b.id());
                ps.executeUpdate();
            }
        });
    }

    /** Marks a batch as on its way to a destination that is not idempotent (see V3__pending_delivery.sql). */
    public void markPending(String batchId, String table, String destination) throws SQLException {
        // idempotent: a retried step marks the same batch again (a replace retried after a 429 did, and failed on the key)
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO pending_delivery (batch_id, target_table, destination, since) SELECT ?, ?, ?, ? "
                        + "WHERE NOT EXISTS (SELECT 1 FROM pending_delivery WHERE batch_id = ?)")) {
            ps.setString(1, batchId);
            ps.setString(2, table);
            ps.setString(3, destination);
            ps.setTimestamp(4, Timestamp.from(Instant.now()));
            ps.setString(5, batchId);
            ps.executeUpdate();
        }
    }

    public void clearPending(String batchId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "DELETE FROM pending_delivery WHERE batch_id = ?")) {
            ps.setString(1, batchId);
            ps.executeUpdate();
        }
    }

    /** True when a batch sent to the destination was never confirmed: its table is in doubt. */
    public boolean inDoubt(String table, String destination) throws SQLException {
        return rowsFor("pending_delivery", "", table, destination) > 0;
    }

    /**
     * Key texts of the landed rows whose match properties have the given (lower-case) values: the records business
     * events name, as the landing database holds them.
     */
    public List<String> keysMatching(com.mlconnector.mapping.EntityMapping m, List<String> matchSources,
                                     java.util.Collection<List<String>> values) throws SQLException {
        List<String> keys = new java.util.ArrayList<>();
        int[] match = matchSources.stream().mapToInt(m::columnOf).toArray();
        if (values.isEmpty() || java.util.Arrays.stream(match).anyMatch(i -> i < 0)) {
            return keys; // a match property the table does not land: nothing to compare with
        }
        String where = java.util.stream.IntStream.range(0, match.length)
                .mapToObj(i -> "LOWER(CAST(" + com.mlconnector.landing.LandingDialect.quote(m.columns().get(match[i]).name())
                        + " AS VARCHAR(4000))) = ?").collect(java.util.stream.Collectors.joining(" AND "));
        String cols = java.util.Arrays.stream(m.keyColumns()).mapToObj(k -> com.mlconnector.landing.LandingDialect.quote(m.columns().get(k).name()))
                .collect(java.util.stream.Collectors.joining(", "));
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT " + cols + " FROM "
                + com.mlconnector.landing.LandingDialect.quote(m.table()) + " WHERE " + where)) {
            for (List<String> v : values) {
                for (int i = 0; i < v.size(); i++) {
                    ps.setString(i + 1, v.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Object[] row = new Object[m.columns().size()];
                        int[] keyCols = m.keyColumns();
                        for (int k = 0; k < keyCols.length; k++) {
                            row[keyCols[k]] = rs.getObject(k + 1);
                        }
                        keys.add(com.mlconnector.sync.RowKeys.keyText(m, row));
                    }
                }
            }
        }
        return keys;
    }

    /** Dead letters of a table waiting for a destination (not replayed yet). */
    public int deadLettersWaiting(String table, String destination) throws SQLException {
        return (int) rowsFor("dead_letter", "replayed_at IS NULL AND ", table, destination);
    }

    /** How many keys the destination holds for the table. */
    public long count(String table, String destination) throws SQLException {
        return rowsFor("delivered_key", "", table, destination);
    }

    /** Rows of a state table for a table and destination, narrowed by a further condition ("" for none). */
    private long rowsFor(String stateTable, String condition, String table, String destination) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(*) FROM " + stateTable + " WHERE " + condition + "target_table = ? AND destination = ?")) {
            ps.setString(1, table);
            ps.setString(2, destination);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * After a destination's table was replaced with the full content of another's (the landing database): it holds
     * exactly what that one holds, so it takes over its key hashes and watermark, and nothing is in doubt any more.
     */
    public void adopt(String table, String from, String to, String runId, int rows, int truncated, Instant started) throws SQLException {
        Transactions.inTransaction(db, c -> {
            for (String sql : new String[]{
                "DELETE FROM delivered_key WHERE target_table = ? AND destination = ?",
                "DELETE FROM watermark WHERE target_table = ? AND destination = ?",
                "DELETE FROM pending_delivery WHERE target_table = ? AND destination = ?"}) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, table);
                    ps.setString(2, to);
                    ps.executeUpdate();
                }
            }
            for (String sql : new String[]{
                "INSERT INTO delivered_key (target_table, destination, key_text, row_hash, scope_value) "
                        + "SELECT target_table, ?, key_text, row_hash, scope_value FROM delivered_key WHERE target_table = ? AND destination = ?",
                "INSERT INTO watermark (target_table, destination, mark_value, updated_at) "
                        + "SELECT target_table, ?, mark_value, updated_at FROM watermark WHERE target_table = ? AND destination = ?"}) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, to);
                    ps.setString(2, table);
                    ps.setString(3, from);
                    ps.executeUpdate();
                }
            }
            note(c, runId, table, to, "REPLACE", rows, "CONFIRMED", "replaced with the " + rows + " rows of " + from
                    + (truncated == 0 ? "" : "; " + truncated + " strings cut to 4,000 characters"), started);
        });
    }

    /** Has this destination ever been sent rows (an audit row other than a refresh's: an installation that used it)? */
    public boolean everSentRows(String destination) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM (SELECT 1 FROM "
                + "batch_audit WHERE destination = ? AND kind <> 'REFRESH' FETCH FIRST 1 ROWS ONLY) used")) {
            ps.setString(1, destination);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    /** An audit row for an action on a whole table (a replace, a refresh). */
    public void note(String runId, String table, String destination, String kind, int rows, String status, String answer,
                     Instant started) throws SQLException {
        try (Connection c = db.getConnection()) {
            note(c, runId, table, destination, kind, rows, status, answer, started);
        }
    }

    /**
     * A follow-up asked once for several runs (the Databricks Job, a model refresh): one audit row under each run that
     * owed it, so each table's trail shows it.
     */
    public void noteEach(java.util.List<FollowUpsOwed.Owed> owed, String destination, String kind, String status, String answer,
                         Instant started) throws SQLException {
        try (Connection c = db.getConnection()) {
            for (FollowUpsOwed.Owed o : owed) {
                note(c, o.runId(), o.table(), destination, kind, 0, status, answer, started);
            }
        }
    }

    private static void note(Connection c, String runId, String table, String destination, String kind, int rows, String status,
                             String answer, Instant started) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO batch_audit (batch_id, run_id, target_table, destination, "
                + "sequence_no, kind, row_count, content_hash, attempts, status, answer, started_at, finished_at) "
                + "VALUES (?, ?, ?, ?, 0, ?, ?, '-', 1, ?, ?, ?, ?)")) {
            ps.setString(1, java.util.UUID.randomUUID().toString());
            ps.setString(2, runId);
            ps.setString(3, table);
            ps.setString(4, destination);
            ps.setString(5, kind);
            ps.setInt(6, rows);
            ps.setString(7, status);
            ps.setString(8, answer == null ? null : answer.substring(0, Math.min(4000, answer.length())));
            ps.setTimestamp(9, Timestamp.from(started));
            ps.setTimestamp(10, Timestamp.from(Instant.now()));
            ps.executeUpdate();
        }
    }

    /** Records a batch the destination did not take, after its last attempt. */
    public void dead(Batch b, String destination, int attempts, String reason, Instant started) throws SQLException {
        try (Connection c = db.getConnection()) {
            audit(c, b, destination, "DEAD", attempts, reason, started);
        }
    }

    static void audit(Connection c, Batch b, String destination, String status, int attempts, String answer, Instant started)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO batch_audit (batch_id, run_id, target_table, destination, "
                + "sequence_no, kind, row_count, key_first, key_last, content_hash, attempts, status, answer, started_at, finished_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, b.id());
            ps.setString(2, b.runId());
            ps.setString(3, b.mapping().table());
            ps.setString(4, destination);
            ps.setInt(5, b.sequence());
            ps.setString(6, b.kind().name());
            ps.setInt(7, b.size());
            ps.setString(8, b.keys().isEmpty() ? null : printable(b.keys().get(0)));
            ps.setString(9, b.keys().isEmpty() ? null : printable(b.keys().get(b.size() - 1)));
            ps.setString(10, com.mlconnector.sync.RowKeys.contentHash(b.rows()));
            ps.setInt(11, attempts);
            ps.setString(12, status);
            ps.setString(13, answer == null ? null : answer.substring(0, Math.min(4000, answer.length())));
            ps.setTimestamp(14, Timestamp.from(started));
            ps.setTimestamp(15, Timestamp.from(Instant.now()));
            ps.executeUpdate();
        }
    }

    /** Key texts join values with U+001F; the audit shows them joined by '|'. */
    static String printable(String keyText) {
        String s = keyText.replace('\u001F', '|');
        return s.length() > 1000 ? s.substring(0, 1000) : s;
    }
}
