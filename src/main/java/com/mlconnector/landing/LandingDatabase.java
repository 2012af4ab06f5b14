package com.mlconnector.landing;

import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The landing database: a pooled connection, the connector's own tables migrated by Flyway
 * ({@code db/migration}), and one table per mapped entity, created from the mapping and widened when the
 * mapping gains columns (entity tables follow the mapping files, which Flyway's fixed scripts cannot).
 */
public final class LandingDatabase implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LandingDatabase.class);

    private final HikariDataSource dataSource;
    private final LandingDialect dialect;

    public LandingDatabase(String jdbcUrl, String username, String password) {
        this.dialect = LandingDialect.of(jdbcUrl);
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(LandingDialect.durableUrl(jdbcUrl));
        if (!username.isEmpty()) {
            cfg.setUsername(username);
        }
        if (!password.isEmpty()) {
            cfg.setPassword(password);
        }
        cfg.setPoolName("landing");
        cfg.setMaximumPoolSize(4);
        cfg.setAutoCommit(true);
        cfg.setInitializationFailTimeout(10_000);
        try {
            this.dataSource = new HikariDataSource(cfg);
        } catch (RuntimeException e) {
            String why = rootMessage(e);
            if (dialect == LandingDialect.H2 && (why.contains("90020") || why.toLowerCase(java.util.Locale.ROOT).contains("already in use"))) {
                // an H2 file serves one process at a time: say so, rather than the driver's lock error
                throw new com.mlconnector.config.ConfigException("the landing database (landing.jdbc-url) is an H2 file that another "
                        + "process (the service?) has open; an H2 file serves one process at a time. Stop that process first, or keep "
                        + "the state in PostgreSQL, where commands and several nodes run side by side");
            }
            throw new IllegalStateException("cannot open the landing database (landing.jdbc-url): " + why, e);
        }
    }

    /** Rows a landed table holds. */
    public long count(String table) throws java.sql.SQLException {
        try (java.sql.Connection c = dataSource().getConnection(); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + LandingDialect.quote(table))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public LandingDialect dialect() {
        return dialect;
    }

    /** Brings the connector's tables up to date, then makes sure every mapped table exists with every column. */
    public void prepare(List<EntityMapping> mappings) throws SQLException {
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration")
                .placeholders(java.util.Map.of("text_type", dialect == LandingDialect.H2 ? "CLOB" : "TEXT"))
                .load().migrate();
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            if (dialect == LandingDialect.POSTGRESQL) {
                // nodes starting at once on one database: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against a
                // concurrent one (duplicate key in pg_type, and that node's start-up failed); one node at a time, in a
                // transaction holding an advisory lock (DDL is transactional there)
                c.setAutoCommit(false);
                st.execute("SELECT pg_advisory_xact_lock(" + TABLES_LOCK + ")");
            }
            for (EntityMapping m : mappings) {
                st.execute(dialect.createTable(m));
                Set<String> existing = columnsOf(c, m.table());
                for (TargetColumn col : m.columns()) {
                    if (!existing.contains(col.name().toLowerCase(Locale.ROOT))) {
                        LOG.info("Landing table {} gains column {} (mapping changed)", m.table(), col.name());
                        st.execute(dialect.addColumn(m, col));
                    }
                }
            }
            if (!c.getAutoCommit()) {
                c.commit();
                c.setAutoCommit(true);
            }
        }
    }

    /** The advisory lock key under which nodes create and widen the entity tables one at a time. */
    private static final long TABLES_LOCK = 0x6d6c632d7462L; // "mlc-tb"

    private static Set<String> columnsOf(Connection c, String table) throws SQLException {
        Set<String> names = new HashSet<>();
        DatabaseMetaData meta = c.getMetaData();
        try (ResultSet rs = meta.getColumns(c.getCatalog(), c.getSchema(), table, null)) {
            while (rs.next()) {
                names.add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
