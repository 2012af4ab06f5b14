package com.mlconnector.ops;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;

/**
 * Ready only while the state (landing) database answers: without it nothing can be confirmed or audited, nor a business
 * event or webhook stored. A readiness check only: a restart would not bring the database back.
 */
public final class StateDatabaseHealth extends AbstractHealthCheck {
    private final DataSource db;
    private final Deadlined<Boolean> probe = new Deadlined<>(java.time.Duration.ofSeconds(2));

    public StateDatabaseHealth(DataSource db) {
        super("ml-connector", "state-database");
        this.db = db;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try {
            probe.get(() -> {
                try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
                    st.setQueryTimeout(5);
                    return st.execute("SELECT 1");
                }
            });
            builder.up();
        } catch (Exception e) {
            builder.message("the state database does not answer: " + e.getMessage()).error(e).down();
        }
    }
}
