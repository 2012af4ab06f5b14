package com.mlconnector.sandbox;

import java.math.BigDecimal;
import java.nio.file.Path;
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

    private volatile Path volumes;
    /** What each table loaded by COPY INTO (Databricks keeps it in the table's log: a file is loaded once). */
    private final Map<String, java.util.Set<String>> loaded = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void mountVolumes(Path root) {
        volumes = root;
    }

    @Override
    public List<List<String>> execute(String text, List<Param> params) throws Exception {
        Matcher copy = COPY_INTO.matcher(text);
        if (copy.matches()) {
            return copyInto(copy.group(1), copy.group(2), copy.group(3));
        }
        Matcher drop = Pattern.compile("(?is)^\\s*DROP\\s+TABLE\\s+(IF\\s+EXISTS\\s+)?`([A-Za-z0-9_]+)`\\s*$").matcher(text);
        if (drop.matches()) {
            loaded.remove(drop.group(2));
        }
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

    private static final Pattern COPY_INTO = Pattern.compile(
            "(?is)^\\s*COPY\\s+INTO\\s+`([A-Za-z0-9_]+)`\\s+FROM\\s+'([^']+)'\\s+FILEFORMAT\\s*=\\s*(\\w+)\\s*$");

    /**
     * COPY INTO from a volume folder of NDJSON files: each file not loaded before into that table is read, its fields
     * matched to the table's columns by name (fields the table lacks are left out), and inserted. Answers as Databricks
     * does: rows affected, rows inserted, corrupt files skipped.
     */
    private List<List<String>> copyInto(String table, String from, String format) throws Exception {
        if (!format.equalsIgnoreCase("JSON")) {
            throw new SQLException("[UNSUPPORTED_FEATURE] the sandbox warehouse loads FILEFORMAT = JSON only, got " + format);
        }
        Path root = volumes;
        if (root == null || !from.startsWith("/Volumes/") || from.contains("..")) {
            throw new SQLException("[INVALID_PARAMETER_VALUE] COPY INTO reads a Unity Catalog volume path (/Volumes/...), got " + from);
        }
        Path dir = root.resolve(from.substring("/Volumes/".length()));
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new SQLException("[PATH_NOT_FOUND] Path does not exist: " + from);
        }
        List<Path> files;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
            files = s.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        java.util.Set<String> done = loaded.computeIfAbsent(table, t -> java.util.concurrent.ConcurrentHashMap.newKeySet());
        long rows = 0;
        synchronized (db) {
            List<String> columns = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement("SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = SCHEMA() "
                    + "AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        columns.add(rs.getString(1));
                    }
                }
            }
            if (columns.isEmpty()) {
                throw new SQLException("[TABLE_OR_VIEW_NOT_FOUND] The table or view `" + table + "` cannot be found.");
            }
            String insert = "INSERT INTO \"" + table + "\" (" + columns.stream().map(c -> "\"" + c + "\"")
                    .collect(java.util.stream.Collectors.joining(", ")) + ") VALUES (" + "?, ".repeat(columns.size() - 1) + "?)";
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            for (Path f : files) {
                if (done.contains(f.toString())) {
                    continue;
                }
                try (PreparedStatement ps = db.prepareStatement(insert);
                     java.io.BufferedReader lines = java.nio.file.Files.newBufferedReader(f)) {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        if (line.isBlank()) {
                            continue;
                        }
                        com.fasterxml.jackson.databind.JsonNode o = json.readTree(line);
                        for (int i = 0; i < columns.size(); i++) {
                            com.fasterxml.jackson.databind.JsonNode v = o.get(columns.get(i));
                            ps.setObject(i + 1, v == null || v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString());
                        }
                        ps.addBatch();
                        rows++;
                    }
                    ps.executeBatch();
                }
                done.add(f.toString());
            }
        }
        return List.of(List.of(String.valueOf(rows), String.valueOf(rows), "0"));
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
