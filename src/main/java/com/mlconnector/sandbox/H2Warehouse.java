package com.mlconnector.sandbox;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sandbox's SQL warehouse: Databricks SQL translated to an in-memory H2 database (backticks, {@code USING DELTA},
 * {@code TBLPROPERTIES}, {@code ADD COLUMNS}, {@code SHOW COLUMNS}, STRING), named parameters bound in order. H2 accepts
 * more than Databricks does, so what Databricks refuses and H2 would run is refused here by rule: a column list on
 * MERGE's source alias ([COLUMN_ALIASES_NOT_ALLOWED]). The contract test runs the connector's statements here and on
 * Spark SQL + Delta Lake and requires both to agree on what is refused.
 */
public final class H2Warehouse implements DatabricksWarehouse {
    private static final Pattern PARAM = Pattern.compile(":([A-Za-z_][A-Za-z0-9_]*)");
    private final Connection db;

    public H2Warehouse(String schema) {
        try {
            db = DriverManager.getConnection("jdbc:h2:mem:databricks-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            try (Statement st = db.createStatement()) {
                st.execute("CREATE SCHEMA \"" + schema + "\"");
                st.execute("SET SCHEMA \"" + schema + "\"");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start the Databricks emulator's warehouse", e);
        }
    }

    @Override
    public List<List<String>> execute(String text, List<Param> params) throws Exception {
        refuseWhatDatabricksRefuses(text);
        List<Object> values = new ArrayList<>();
        String sql;
        try {
            sql = translate(text, params, values);
        } catch (IllegalArgumentException e) {
            throw new SQLException(e.getMessage());
        }
        String index = naturalKeyIndex(text);
        synchronized (db) {
            try (PreparedStatement ps = db.prepareStatement(sql)) {
                for (int i = 0; i < values.size(); i++) {
                    ps.setObject(i + 1, values.get(i));
                }
                boolean hasResult = ps.execute();
                if (index != null) {
                    try (Statement st = db.createStatement()) {
                        st.execute(index); // Delta has no index; H2 needs one to MERGE a big table in reasonable time
                    }
                }
                List<List<String>> rows = new ArrayList<>();
                if (hasResult) {
                    try (ResultSet rs = ps.getResultSet()) {
                        int n = rs.getMetaData().getColumnCount();
                        while (rs.next()) {
                            List<String> row = new ArrayList<>();
                            for (int i = 1; i <= n; i++) {
                                row.add(rs.getString(i));
                            }
                            rows.add(row);
                        }
                    }
                }
                return rows;
            } catch (SQLException e) {
                throw new SQLException("[PARSE_SYNTAX_ERROR] " + e.getMessage().split("\n")[0], e);
            }
        }
    }

    /**
     * MERGE's source alias takes no column list in Databricks SQL ({@code USING (…) AS s(a, b)} is refused with
     * COLUMN_ALIASES_NOT_ALLOWED); H2 would run it.
     */
    static void refuseWhatDatabricksRefuses(String text) throws SQLException {
        Matcher merge = Pattern.compile("(?is)^\\s*MERGE\\s+INTO\\s+\\S+(\\s+AS)?\\s+\\w+\\s+USING\\s*").matcher(text);
        if (!merge.find() || merge.end() >= text.length() || text.charAt(merge.end()) != '(') {
            return;
        }
        int depth = 0;
        boolean inString = false;
        int i = merge.end();
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'') {
                inString = !inString;
            } else if (!inString && c == '(') {
                depth++;
            } else if (!inString && c == ')' && --depth == 0) {
                break;
            }
        }
        if (Pattern.compile("(?is)^\\)\\s*(AS\\s+)?\\w+\\s*\\(").matcher(text.substring(Math.min(i, text.length()))).find()) {
            throw new SQLException("[COLUMN_ALIASES_NOT_ALLOWED] Column aliases are not allowed in MERGE.");
        }
    }

    /** Reads the warehouse directly (tests compare what landed): H2 SQL. */
    public List<Map<String, Object>> query(String sql) throws SQLException {
        synchronized (db) {
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                List<Map<String, Object>> out = new ArrayList<>();
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, Object> row = new java.util.LinkedHashMap<>();
                    for (int i = 1; i <= n; i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
                return out;
            }
        }
    }

    /** Databricks SQL to H2: named parameters bound in order, Delta clauses dropped, identifiers quoted H2's way. */
    private static String translate(String text, List<DatabricksWarehouse.Param> parameters, List<Object> values) {
        Map<String, DatabricksWarehouse.Param> byName = new HashMap<>();
        for (DatabricksWarehouse.Param p : parameters) {
            byName.put(p.name(), p);
        }
        StringBuilder out = new StringBuilder(text.length());
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'') {
                inString = !inString;
                out.append(c);
            } else if (!inString && c == '`') {
                out.append('"');
            } else if (!inString && c == ':' && i + 1 < text.length() && Character.isLetter(text.charAt(i + 1))) {
                Matcher m = PARAM.matcher(text);
                m.find(i);
                String name = m.group(1);
                DatabricksWarehouse.Param p = byName.get(name);
                if (p == null) {
                    throw new IllegalArgumentException("[UNBOUND_SQL_PARAMETER] Found the unbound parameter: " + name);
                }
                values.add(value(p));
                out.append("CAST(? AS ").append(h2Type(p.type())).append(')');
                i = m.end() - 1;
            } else {
                out.append(c);
            }
        }
        String sql = out.toString();
        Matcher show = Pattern.compile("(?is)^\\s*SHOW\\s+COLUMNS\\s+IN\\s+\"?([A-Za-z0-9_]+)\"?\\s*$").matcher(sql);
        if (show.matches()) {
            return "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = SCHEMA() AND TABLE_NAME = '"
                    + show.group(1) + "' ORDER BY ORDINAL_POSITION";
        }
        sql = sql.replaceAll("(?i)\\s+USING\\s+DELTA", "")
                .replaceAll("(?is)\\s+TBLPROPERTIES\\s*\\(.*?\\)\\s*$", "")
                .replaceAll("(?i)\\bADD\\s+COLUMNS\\b", "ADD")
                .replaceAll("(?i)\\bSTRING\\b", "VARCHAR")
                .replaceAll("(?i)\\bTIMESTAMP\\b(?!\\s+WITH)", "TIMESTAMP WITH TIME ZONE");
        return sql;
    }

    private static String naturalKeyIndex(String text) {
        Matcher m = Pattern.compile("(?is)^\\s*CREATE\\s+TABLE\\s+IF\\s+NOT\\s+EXISTS\\s+`([A-Za-z0-9_]+)`.*'ml_connector\\.natural_key'\\s*=\\s*'([^']+)'").matcher(text);
        if (!m.find()) {
            return null;
        }
        String cols = java.util.Arrays.stream(m.group(2).split(",")).map(c -> "\"" + c.trim() + "\"").collect(java.util.stream.Collectors.joining(", "));
        return "CREATE INDEX IF NOT EXISTS \"" + m.group(1) + "_natural_key\" ON \"" + m.group(1) + "\" (" + cols + ")";
    }

    private static String h2Type(String type) {
        String t = type.toUpperCase(Locale.ROOT);
        if (t.startsWith("DECIMAL")) {
            return t;
        }
        return switch (t) {
            case "STRING" -> "VARCHAR";
            case "INT" -> "INTEGER";
            case "TIMESTAMP" -> "TIMESTAMP WITH TIME ZONE";
            default -> t;
        };
    }

    private static Object value(DatabricksWarehouse.Param p) {
        if (p.value() == null) {
            return null;
        }
        String v = p.value();
        String type = p.type().toUpperCase(Locale.ROOT);
        if (type.startsWith("DECIMAL")) {
            return new BigDecimal(v);
        }
        return switch (type) {
            case "BIGINT", "LONG" -> Long.parseLong(v);
            case "INT", "INTEGER" -> Integer.parseInt(v);
            case "BOOLEAN" -> Boolean.parseBoolean(v);
            case "DATE" -> LocalDate.parse(v);
            case "TIMESTAMP" -> OffsetDateTime.parse(v);
            case "STRING" -> v;
            default -> throw new IllegalArgumentException("[INVALID_PARAMETER_VALUE] unknown parameter type " + type);
        };
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException ignored) {
            // in memory: nothing to lose
        }
    }

    @Override
    public String toString() {
        return "H2";
    }
}
