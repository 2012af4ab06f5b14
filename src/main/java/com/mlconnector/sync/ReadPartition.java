package com.mlconnector.sync;

import java.util.ArrayList;
import java.util.List;

/**
 * One chain of pages of a run's read: the whole read, one legal entity, or one range of a growing key. Each chain is
 * followed by its own {@code @odata.nextLink}s, a page at a time and taken whole; its rows are batched apart from the
 * other chains', so each batch belongs to one partition and a growing key's batches of a partition arrive in key order.
 * Its progress is guarded by the run ({@link EntitySync}) that holds it.
 */
final class ReadPartition {
    /**
     * What a partition reads.
     *
     * @param index     its number in the run (0 is the read as planned)
     * @param label     what it covers, for logs ("usmf", "SourceKey > 5637144576")
     * @param companies the legal entities of its query (the configured ones for the whole read, one for a company)
     * @param filter    its extra $filter (change detection's condition and its key range), or null
     * @param keyAbove  a growing key: every key of this partition is above this one (null when unknown: a first read)
     */
    record Spec(int index, String label, List<String> companies, String filter, Long keyAbove) {
    }

    final Spec spec;
    String next;
    int pages;
    boolean done;
    /** The $count of its query, from its first page. */
    Long count;
    long rows;
    /** Rows waiting for a full batch of this partition. */
    final List<Object[]> pending = new ArrayList<>();
    /** Batches cut from this partition so far (final once done). */
    int batches;

    ReadPartition(Spec spec, String firstPage) {
        this.spec = spec;
        this.next = firstPage;
    }

    int index() { return spec.index(); }
}
