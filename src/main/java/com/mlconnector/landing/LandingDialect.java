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
