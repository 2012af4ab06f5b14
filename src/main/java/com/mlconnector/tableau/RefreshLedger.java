package com.mlconnector.tableau;

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
 * What Tableau still owes and what it told us, in the state database (V4__tableau.sql): the data sources whose
 * extract is behind the landing tables, and the webhook events already received.
 */
public final class RefreshLedger {
    private final DataSource db;

    public RefreshLedger(DataSource db) {
        this.db = db;
    }

    /** Rows the data source reads landed at {@code when}: it owes a refresh requested after that. */
    public synchronized void owe(String datasourceId, String table, Instant when) throws SQLException {
        Transactions.inTransaction(db, c -> {
            int updated;
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE tableau_refresh_owed SET landed_at = ?, target_table = ? WHERE datasource_id = ? AND landed_at < ?")) {
                ps.setTimestamp(1, Timestamp.from(when));
                ps.setString(2, table);
                ps.setString(3, datasourceId);
                ps.setTimestamp(4, Timestamp.from(when));
                updated = ps.executeUpdate();
            }
            if (updated == 0 && landedAt(c, datasourceId) == null) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO tableau_refresh_owed (datasource_id, landed_at, target_table) VALUES (?, ?, ?)")) {
                    ps.setString(1, datasourceId);
                    ps.setTimestamp(2, Timestamp.from(when));
                    ps.setString(3, table);
                    ps.executeUpdate();
                }
            }
        });
    }

    /** True when rows landed that no successful refresh has covered yet. */
    public boolean owed(String datasourceId) throws SQLException {
        try (Connection c = db.getConnection()) {
            return landedAt(c, datasourceId) != null;
        }
    }

    public List<String> allOwed() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT datasource_id FROM tableau_refresh_owed ORDER BY landed_at")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /**
     * A refresh requested at {@code requestedAt} succeeded: it covers every landing before that moment. A landing
     * after it (another entity's run, while the refresh ran) keeps the data source owed.
     */
    public synchronized void paid(String datasourceId, Instant requestedAt) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "DELETE FROM tableau_refresh_owed WHERE datasource_id = ? AND landed_at <= ?")) {
            ps.setString(1, datasourceId);
            ps.setTimestamp(2, Timestamp.from(requestedAt));
            ps.executeUpdate();
        }
    }

    /**
     * Records a webhook event; false when the same event (type, data source, created_at) was received before.
     */
    public boolean firstDelivery(String eventType, String resourceLuid, String createdAt, String siteLuid, String name)
            throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO tableau_event (event_type, resource_luid, created_at, received_at, site_luid, resource_name) "
                        + "VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, eventType);
            ps.setString(2, resourceLuid);
            ps.setString(3, createdAt);
            ps.setTimestamp(4, Timestamp.from(Instant.now()));
            ps.setString(5, siteLuid);
            ps.setString(6, name == null ? null : name.substring(0, Math.min(400, name.length())));
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                return false; // the primary key: delivered before
            }
            throw e;
        }
    }

    /** What the connector made of an event (shown by status and kept for the audit). */
    public void outcome(String eventType, String resourceLuid, String createdAt, String outcome) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE tableau_event SET outcome = ? WHERE event_type = ? AND resource_luid = ? AND created_at = ?")) {
            ps.setString(1, outcome.substring(0, Math.min(400, outcome.length())));
            ps.setString(2, eventType);
            ps.setString(3, resourceLuid);
            ps.setString(4, createdAt);
            ps.executeUpdate();
        }
    }

    private static Timestamp landedAt(Connection c, String datasourceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT landed_at FROM tableau_refresh_owed WHERE datasource_id = ?")) {
            ps.setString(1, datasourceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getTimestamp(1) : null;
            }
        }
    }
}
