package com.mlconnector.ops;

import com.mlconnector.sync.Mappings;
import org.apache.camel.Exchange;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Entities an operator paused (JMX): their schedule starts no runs and their business events wait, until resumed.
 * Kept in the state database (V6__paused_entities.sql), so a restart or a redeploy does not resume them silently;
 * read once at start, then written through.
 */
public final class Pauses {
    private final Set<String> paused = ConcurrentHashMap.newKeySet();
    private final Mappings mappings;
    private final DataSource db;

    public Pauses(Mappings mappings, DataSource db) throws SQLException {
        this.mappings = mappings;
        this.db = db;
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT target_table FROM paused_entity");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                paused.add(rs.getString(1));
            }
        }
    }

    /** The scheduled route's filter: false while the entity in the header {@code entity} is paused. */
    public boolean allows(Exchange exchange) {
        return !isPaused(mappings.get(exchange.getMessage().getHeader("entity", String.class)).table());
    }

    public synchronized void pause(String table) throws SQLException {
        if (paused.contains(table)) {
            return;
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO paused_entity (target_table, paused_at) VALUES (?, ?)")) {
            ps.setString(1, table);
            ps.setTimestamp(2, Timestamp.from(Instant.now()));
            ps.executeUpdate();
        }
        paused.add(table);
    }

    public synchronized void resume(String table) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "DELETE FROM paused_entity WHERE target_table = ?")) {
            ps.setString(1, table);
            ps.executeUpdate();
        }
        paused.remove(table);
    }

    public boolean isPaused(String table) {
        return paused.contains(table);
    }

    public Set<String> all() {
        return Set.copyOf(paused);
    }
}
