package com.mlconnector.landing;

import com.mlconnector.mapping.ColumnType;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;

import java.util.List;
import java.util.stream.Collectors;

/** The SQL that differs between the supported landing databases: column types and the upsert statement. */
public enum LandingDialect {
    H2, POSTGRESQL;

    public static LandingDialect of(String jdbcUrl) {
        return jdbcUrl.startsWith("jdbc:postgresql:") ? POSTGRESQL : H2;
    }

    /**
     * The URL the connector opens. An H2 file database writes committed changes to its file in the background, up to
     * WRITE_DELAY (500 ms by default) after {@code commit} returned: a process killed in that window loses commits it
     * already acted on (a Power BI batch marked pending, then posted, came back unmarked and was posted twice). Every
     * guarantee here rests on a commit being in the file when it returns, so H2 files are opened with WRITE_DELAY=0
     * (each commit written before it returns; the operating system keeps it if the process dies). A URL that asks for a
     * delay is refused rather than quietly weakened.
     */
    public static String durableUrl(String jdbcUrl) {
        if (of(jdbcUrl) != H2 || jdbcUrl.startsWith("jdbc:h2:mem:")) {
            return jdbcUrl;
        }
        java.util.regex.Matcher set = java.util.regex.Pattern.compile("(?i);\\s*WRITE_DELAY\\s*=\\s*([^;]*)").matcher(jdbcUrl);
        if (set.find()) {
            if (!set.group(1).trim().equals("0")) {
                throw new com.mlconnector.config.ConfigException("landing.jdbc-url sets WRITE_DELAY=" + set.group(1).trim()
                        + ": H2 would then keep commits in memory for that long, and a crash in that time loses batches already "
                        + "sent to Power BI and Databricks; remove it (the connector opens H2 with WRITE_DELAY=0)");
            }
            return jdbcUrl;
        }
        return jdbcUrl + ";WRITE_DELAY=0";
    }

    public String sqlType(ColumnType t) {
        return switch (t) {
            case STRING, ENUM -> "VARCHAR";
            case INT -> "INTEGER";
            case LONG -> "BIGINT";
            case DECIMAL -> "NUMERIC(32,6)";
            case BOOLEAN -> "BOOLEAN";
            case DATETIME -> "TIMESTAMP WITH TIME ZONE";
            case DATE -> "DATE";
        };
    }

    public String createTable(EntityMapping m) {
        String cols = m.columns().stream().map(c -> quote(c.name()) + " " + sqlType(c.type()))
                .collect(Collectors.joining(", "));
        return "CREATE TABLE IF NOT EXISTS " + quote(m.table()) + " (" + cols + ", PRIMARY KEY (" + keyList(m) + "))";
    }

    public String addColumn(EntityMapping m, TargetColumn c) {
        return "ALTER TABLE " + quote(m.table()) + " ADD COLUMN " + quote(c.name()) + " " + sqlType(c.type());
    }

    /** Insert-or-update by the natural key, so a batch written twice leaves one row per key. */
    public String upsert(EntityMapping m) {
        return upsert(m.table(), m.columns().stream().map(TargetColumn::name).toList(), keyNames(m), true);
    }

    /**
     * Insert-or-update of {@code table} by {@code keys}; one parameter per column, in order. Mapped tables are
     * quoted (their names keep their case); the connector's own tables are not (Flyway made them unquoted).
     */
    public String upsert(String table, List<String> columns, List<String> keys, boolean quoted) {
        java.util.function.UnaryOperator<String> q = quoted ? LandingDialect::quote : n -> n;
        String names = columns.stream().map(q).collect(Collectors.joining(", "));
        String params = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
        String keyList = keys.stream().map(q).collect(Collectors.joining(", "));
        if (this == H2) {
            return "MERGE INTO " + q.apply(table) + " (" + names + ") KEY (" + keyList + ") VALUES (" + params + ")";
        }
        String updates = columns.stream().filter(c -> !keys.contains(c))
                .map(c -> q.apply(c) + " = EXCLUDED." + q.apply(c)).collect(Collectors.joining(", "));
        return "INSERT INTO " + q.apply(table) + " (" + names + ") VALUES (" + params + ") ON CONFLICT (" + keyList
                + ") DO " + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates);
    }

    /** Deletes one row by its natural key; one parameter per key column. */
    public String deleteByKey(EntityMapping m) {
        return "DELETE FROM " + quote(m.table()) + " WHERE "
                + keyNames(m).stream().map(k -> quote(k) + " = ?").collect(Collectors.joining(" AND "));
    }

    private static List<String> keyNames(EntityMapping m) {
        int[] keys = m.keyColumns();
        return java.util.Arrays.stream(keys).mapToObj(k -> m.columns().get(k).name()).toList();
    }

    private static String keyList(EntityMapping m) {
        return keyNames(m).stream().map(LandingDialect::quote).collect(Collectors.joining(", "));
    }

    /** Names are checked to be plain by the mapping loader; quoting keeps their case in every database. */
    public static String quote(String name) {
        return '"' + name + '"';
    }
}
