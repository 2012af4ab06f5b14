package com.mlconnector.state;

import javax.sql.DataSource;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The processes that run syncs against one state database (V8 {@code connector_node}): this process's identity,
 * its heartbeat, and who is alive. A node is alive while its heartbeat is younger than the lease time.
 */
public final class Nodes {
    /** A node as `status` shows it. */
    public record Node(String nodeId, String host, String role, Instant startedAt, Instant heartbeatAt) {
    }

    private Nodes() {
    }

    /** host:pid:random, unique per process start (a restarted process is a new owner). */
    public static String newIdentity() {
        return host() + ":" + ProcessHandle.current().pid() + ":" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown-host";
        }
    }

    public static void register(DataSource db, String nodeId, String role) throws SQLException {
        Instant now = Instant.now();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO connector_node (node_id, host, role, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, nodeId);
            ps.setString(2, host());
            ps.setString(3, role);
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setTimestamp(5, Timestamp.from(now));
            ps.executeUpdate();
        }
    }

    public static void heartbeat(DataSource db, String nodeId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE connector_node SET heartbeat_at = ? WHERE node_id = ?")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now()));
            ps.setString(2, nodeId);
            ps.executeUpdate();
        }
    }

    /** A node that stops cleanly says so; one that dies is forgotten a day after its last heartbeat. */
    public static void leave(DataSource db, String nodeId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "DELETE FROM connector_node WHERE node_id = ? OR heartbeat_at < ?")) {
            ps.setString(1, nodeId);
            ps.setTimestamp(2, Timestamp.from(Instant.now().minus(Duration.ofDays(1))));
            ps.executeUpdate();
        }
    }

    /** Nodes whose heartbeat is younger than {@code within}. */
    public static List<Node> alive(DataSource db, Duration within) throws SQLException {
        List<Node> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT node_id, host, role, started_at, heartbeat_at FROM connector_node WHERE heartbeat_at >= ? ORDER BY started_at")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now().minus(within)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Node(rs.getString(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(),
                            rs.getTimestamp(5).toInstant()));
                }
            }
        }
        return out;
    }
}
