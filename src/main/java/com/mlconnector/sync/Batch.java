package com.mlconnector.sync;

import com.mlconnector.mapping.EntityMapping;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Up to {@code sync.batch-size} rows of one entity, in the mapping's column order, with each row's key text and
 * hash; the unit every destination writes, confirms and (when it cannot) dead-letters as a whole.
 * An UPSERT batch carries whole rows; a DELETE batch carries rows with only the key columns set.
 */
public record Batch(String id, String runId, EntityMapping mapping, int sequence, Kind kind, List<Object[]> rows,
                    List<String> keys, long[] hashes) {

    public enum Kind { UPSERT, DELETE }

    /** A batch of rows as read from F&O: keys and hashes computed here, once. */
    public static Batch read(String runId, EntityMapping mapping, int sequence, List<Object[]> rows) {
        List<String> keys = new ArrayList<>(rows.size());
        long[] hashes = new long[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            keys.add(RowKeys.keyText(mapping, rows.get(i)));
            hashes[i] = RowKeys.hash(rows.get(i));
        }
        return new Batch(UUID.randomUUID().toString(), runId, mapping, sequence, Kind.UPSERT, rows, keys, hashes);
    }

    public static Batch deletes(String runId, EntityMapping mapping, int sequence, List<String> keys) {
        List<Object[]> rows = new ArrayList<>(keys.size());
        for (String k : keys) {
            rows.add(RowKeys.keyRow(mapping, k));
        }
        return new Batch(UUID.randomUUID().toString(), runId, mapping, sequence, Kind.DELETE, rows, List.copyOf(keys),
                new long[keys.size()]);
    }

    /** The same batch narrowed to some of its rows (indexes in order), under a new id. */
    public Batch only(int[] indexes) {
        List<Object[]> r = new ArrayList<>(indexes.length);
        List<String> k = new ArrayList<>(indexes.length);
        long[] h = new long[indexes.length];
        for (int i = 0; i < indexes.length; i++) {
            r.add(rows.get(indexes[i]));
            k.add(keys.get(indexes[i]));
            h[i] = hashes[indexes[i]];
        }
        return new Batch(UUID.randomUUID().toString(), runId, mapping, sequence, kind, r, k, h);
    }

    /** The same rows under another id: each destination records its own copy of a batch. */
    public Batch withId(String newId) {
        return new Batch(newId, runId, mapping, sequence, kind, rows, keys, hashes);
    }

    public int size() {
        return rows.size();
    }

    @Override
    public String toString() {
        return mapping.table() + " " + kind + " batch " + sequence + " (" + rows.size() + " rows) of run " + runId;
    }
}
