package com.mlconnector.mapping;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * How one F&O entity lands: its entity set, target table, natural key and columns. Built by {@link MappingLoader}
 * from a file in {@code mappings/}.
 */
public final class EntityMapping {
    /** Power BI allows 75 columns per table; every destination keeps to the narrowest. */
    public static final int MAX_COLUMNS = 75;

    private final String entitySet;
    private final String table;
    private final List<String> keySources;
    private final List<TargetColumn> columns;
    private final boolean companyScoped;
    private final String schedule;
    private final ChangePolicy change;
    private final Map<String, int[]> targetsBySource;
    private final int[] keyColumns;
    private String file;
    private boolean alternative;

    public EntityMapping(String entitySet, String table, List<String> keySources, List<TargetColumn> columns,
                         boolean companyScoped, String schedule, ChangePolicy change) {
        this.entitySet = entitySet;
        this.table = table;
        this.keySources = List.copyOf(keySources);
        this.columns = List.copyOf(columns);
        this.companyScoped = companyScoped;
        this.schedule = schedule;
        this.change = change;
        Map<String, List<Integer>> bySource = new HashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            bySource.computeIfAbsent(columns.get(i).source(), k -> new ArrayList<>()).add(i);
        }
        Map<String, int[]> frozen = new HashMap<>();
        bySource.forEach((k, v) -> frozen.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
        this.targetsBySource = Collections.unmodifiableMap(frozen);
        this.keyColumns = new int[keySources.size()];
        for (int k = 0; k < keySources.size(); k++) {
            keyColumns[k] = wholeValueColumn(keySources.get(k));
        }
    }

    private int wholeValueColumn(String source) {
        for (int i = 0; i < columns.size(); i++) {
            TargetColumn c = columns.get(i);
            if (c.source().equals(source) && !c.isDimensionSegment()) {
                return i;
            }
        }
        throw new MappingException(table + ": key property '" + source + "' must be mapped as a column of its own");
    }

    public String entitySet() { return entitySet; }
    public String table() { return table; }
    public List<String> keySources() { return keySources; }
    public List<TargetColumn> columns() { return columns; }
    /** True where the entity carries dataAreaId and is read per legal entity. */
    public boolean companyScoped() { return companyScoped; }
    /** Quartz cron expression of the scheduled sync. */
    public String schedule() { return schedule; }
    /** How changes are found (snapshot when the mapping does not say). */
    public ChangePolicy change() { return change; }

    /** The mapping file's name (e.g. {@code gl-entries.yaml}), for messages; null for a mapping built in code. */
    public String file() { return file; }

    /** True when the file is an alternative source of its table, used only when chosen ({@code mapping.<Table>}). */
    public boolean alternative() { return alternative; }

    /** Where it came from, as messages name it: {@code mappings/<file>}. */
    public String origin() { return file == null ? table + " mapping" : "mappings/" + file; }

    private String reconcile;

    /**
     * Quartz cron of the scheduled reconcile (a full read that finds what the change strategy misses), or null for
     * none (a snapshot reads everything on every run already).
     */
    public String reconcile() { return reconcile; }

    EntityMapping reconcileOn(String cron) {
        this.reconcile = cron;
        return this;
    }

    /**
     * A many-to-one join a semantic model declares: this table's {@code column} to {@code toTable}.{@code toColumn}
     * (the one side, whose values are unique there).
     */
    public record Relationship(String column, String toTable, String toColumn) {
    }

    private List<Relationship> relationships = List.of();

    /** The joins from this table the mapping declares (for the Power BI model's relationships). */
    public List<Relationship> relationships() { return relationships; }

    EntityMapping relatedBy(List<Relationship> joins) {
        this.relationships = List.copyOf(joins);
        return this;
    }

    EntityMapping from(String fileName, boolean isAlternative) {
        this.file = fileName;
        this.alternative = isAlternative;
        return this;
    }

    /** Index of the column holding the whole value of a property, or -1. */
    public int columnOf(String source) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).source().equals(source) && !columns.get(i).isDimensionSegment()) {
                return i;
            }
        }
        return -1;
    }

    /** Indexes (into {@link #columns()}) of the key columns, in key order. */
    public int[] keyColumns() { return keyColumns.clone(); }

    /** Column indexes fed by an F&O property, or null when the property is not mapped. */
    public int[] targetsOf(String source) {
        return targetsBySource.get(source);
    }

    /** The distinct F&O properties to $select, in column order. */
    public List<String> selectedSources() {
        LinkedHashSet<String> set = new LinkedHashSet<>();
        for (TargetColumn c : columns) {
            set.add(c.source());
        }
        return List.copyOf(set);
    }

    @Override
    public String toString() {
        return entitySet + " -> " + table;
    }
}
