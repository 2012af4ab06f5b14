package com.mlconnector.support;

import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

/**
 * A PostgreSQL schema of a test's own (dropped on close), when the build runs with -Ppostgres (which sets
 * landing.test.postgres.url); elsewhere the test is skipped, saying why.
 */
public final class PostgresSchema implements AutoCloseable {
    private final String base;
    private final String schema;

    private PostgresSchema(String base, String schema) {
        this.base = base;
        this.schema = schema;
    }

    public static PostgresSchema create() throws Exception {
        String base = System.getProperty("landing.test.postgres.url", "");
        Assumptions.assumeFalse(base.isBlank(), "PostgreSQL tests are skipped: run with -Ppostgres (needs PostgreSQL on 127.0.0.1:5432)");
        String schema = "mlc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(base); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        return new PostgresSchema(base, schema);
    }

    /** The JDBC URL whose tables live in this schema. */
    public String url() {
        return base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    @Override
    public void close() throws Exception {
        try (Connection c = DriverManager.getConnection(base); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }
}
