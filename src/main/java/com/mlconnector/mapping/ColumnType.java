package com.mlconnector.mapping;

import java.sql.Types;

/** The types a mapped column can land as. Each knows its SQL type; F&O values are converted by {@link ValueConverter}. */
public enum ColumnType {
    STRING(Types.VARCHAR),
    /** An F&O enum: lands as the member name, as F&O sends it. */
    ENUM(Types.VARCHAR),
    INT(Types.INTEGER),
    LONG(Types.BIGINT),
    DECIMAL(Types.NUMERIC),
    BOOLEAN(Types.BOOLEAN),
    /** An F&O DateTimeOffset; the empty date 1900-01-01T12:00:00Z lands as null. */
    DATETIME(Types.TIMESTAMP_WITH_TIMEZONE),
    /** An F&O DateTimeOffset that only carries a date (F&O sends dates at 12:00 UTC). */
    DATE(Types.DATE);

    public final int sqlType;

    ColumnType(int sqlType) {
        this.sqlType = sqlType;
    }

    public static ColumnType parse(String text, String where) {
        try {
            return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MappingException(where + ": unknown type '" + text + "' (use one of "
                    + java.util.Arrays.toString(values()).toLowerCase(java.util.Locale.ROOT) + ")");
        }
    }
}
