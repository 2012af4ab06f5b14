package com.mlconnector.mapping;

/**
 * One column of a target table.
 *
 * @param name    the column name in every destination
 * @param type    how the value lands
 * @param source  the F&O property it comes from
 * @param segment -1 for the whole value; otherwise the index of the financial-dimension segment taken from
 *                the source's display string (segments are joined by the tenant's delimiter)
 */
public record TargetColumn(String name, ColumnType type, String source, int segment) {
    public boolean isDimensionSegment() {
        return segment >= 0;
    }
}
