package com.mlconnector.state;

import com.mlconnector.landing.Transactions;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The follow-ups owed after runs that landed rows (table follow_up_owed, V12): per destination and table, the latest run
 * that owes one. A follow-up covers the runs it was asked for; a run of the same table that lands rows meanwhile owes
 * another.
 */
public final class FollowUpsOwed {
    /** One table's claim: the run that landed its rows, and when. */
    public record Owed(String table, String runId, Instant landedAt) {
    }

    private final DataSource db;

    public FollowUpsOwed(DataSource db) {
        this.db = db;
    }

    /** The run landed rows of the table: the destination owes a follow-up for it. */
    public void owe(String destination, String table, String runId) throws SQLException {
        Transactions.inTransaction(db, c -> {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM follow_up_owed WHERE destination = ? AND target_table = ?");
                 PreparedStatement ins = c.prepareStatement("INSERT INTO follow_up_owed (destination, target_table, run_id, landed_at) "
                         + "VALUES (?, ?, ?, ?)")) {
                del.setString(1, destination);
                del.setString(2, table);
                del.executeUpdate();
                ins.setString(1, destination);
                ins.setString(2, table);
                ins.setString(3, runId);
                ins.setTimestamp(4, Timestamp.from(Instant.now()));
                ins.executeUpdate();
            }
        });
    }

    /** What the destination owes, by table. */
    public List<Owed> owed(String destination) throws SQLException {
        List<Owed> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT target_table, run_id, landed_at FROM follow_up_owed WHERE destination = ? ORDER BY target_table")) {
            ps.setString(1, destination);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Owed(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant()));
                }
            }
        }
        return out;
    }

    /** A follow-up covered these: each is settled unless a later run of its table owes another meanwhile. */
    public void settle(String destination, List<Owed> covered) throws SQLException {
        Transactions.inTransaction(db, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM follow_up_owed WHERE destination = ? AND target_table = ? AND run_id = ?")) {
                for (Owed o : covered) {
                    ps.setString(1, destination);
                    ps.setString(2, o.table());
                    ps.setString(3, o.runId());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }
}
