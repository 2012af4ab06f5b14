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
        List<TargetColumn> cols = m.columns();
        String names = cols.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "));
        String params = cols.stream().map(c -> "?").collect(Collectors.joining(", "));
        if (this == H2) {
            return "MERGE INTO " + quote(m.table()) + " (" + names + ") KEY (" + keyList(m) + ") VALUES (" + params + ")";
        }
        List<String> keys = keyNames(m);
        String updates = cols.stream().filter(c -> !keys.contains(c.name()))
                .map(c -> quote(c.name()) + " = EXCLUDED." + quote(c.name())).collect(Collectors.joining(", "));
        return "INSERT INTO " + quote(m.table()) + " (" + names + ") VALUES (" + params + ") ON CONFLICT (" + keyList(m)
                + ") DO " + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates);
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
