package com.mlconnector.sync;

import com.mlconnector.mapping.EntityMapping;

import java.util.List;

/**
 * Up to {@code sync.batch-size} rows of one entity, in the mapping's column order; the unit every destination
 * writes (and, later, confirms) as a whole.
 */
public record Batch(String runId, EntityMapping mapping, int sequence, List<Object[]> rows) {
    public int size() {
        return rows.size();
    }

    @Override
    public String toString() {
        return mapping.table() + " batch " + sequence + " of run " + runId + " (" + rows.size() + " rows)";
    }
}
