package com.mlconnector.support;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/** Starts the real connector (routes/, mappings/ of this repository) with test overrides, and reads what landed. */
public final class TestConnector {
    private TestConnector() {
    }

    /** Defaults for tests: a private in-memory landing database, no random throttling, fast retries. */
    public static Properties defaults() {
        Properties p = new Properties();
        p.setProperty("connector.sandbox", "true"); // on purpose: tests may point destinations at emulated workspaces
        p.setProperty("sandbox.landing.jdbc-url", "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        p.setProperty("sandbox.fno.throttle-share", "0");
        p.setProperty("retry.initial-backoff-ms", "50");
        p.setProperty("retry.max-backoff-ms", "200");
        p.setProperty("retry.default-retry-after-seconds", "1");
        p.setProperty("powerbi.enabled", "false"); // Power BI, Databricks and Tableau tests switch them on
        p.setProperty("powerbi.model", "push"); // the push tests' mode; the import model's tests say import
        p.setProperty("databricks.enabled", "false");
        p.setProperty("tableau.enabled", "false");
        p.setProperty("events.enabled", "false"); // business-event tests switch them on
        p.setProperty("camel.server.port", "0"); // the webhook server on a free port
        return p;
    }

    public static ConnectorRuntime start(Properties overrides) {
        return ConnectorRuntime.start(RuntimeOptions.once(Path.of("."), overrides));
    }

    public static long count(ConnectorRuntime rt, String table) throws Exception {
        try (Connection c = rt.landing().dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM \"" + table + "\"")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static List<Map<String, Object>> query(ConnectorRuntime rt, String sql) throws Exception {
        try (Connection c = rt.landing().dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= n; i++) {
                    // the connector's own tables are unquoted: H2 reports their columns in upper case, PostgreSQL in lower
                    String label = rs.getMetaData().getColumnLabel(i);
                    row.put(label.equals(label.toLowerCase(java.util.Locale.ROOT)) ? label.toUpperCase(java.util.Locale.ROOT) : label,
                            rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    /** The run ledger's rows for a table, oldest first. */
    public static List<Map<String, Object>> runs(ConnectorRuntime rt, String table) throws Exception {
        return query(rt, "SELECT * FROM connector_run WHERE target_table = '" + table + "' ORDER BY started_at");
    }
}
