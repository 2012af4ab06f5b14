package com.mlconnector.mapping;

/**
 * How an entity's changes are found, since F&O exposes no change timestamp on most finance entities.
 *
 * @param strategy     see {@link Strategy}
 * @param column       growing-key: the growing numeric property (a RecId); date-window: the business date property
 * @param overlap      growing-key: how far below the watermark each read starts (the key-level dedupe absorbs it);
 *                     modified-since: the same in seconds (clocks and commits that land late)
 * @param lookBackDays date-window: how many days before the watermark date each read starts, to catch late edits
 */
public record ChangePolicy(Strategy strategy, String column, long overlap, int lookBackDays) {
    public enum Strategy {
        /** Append-only entities: read only keys above the last delivered one. Deletes cannot be told. */
        GROWING_KEY,
        /** Documents with a business date: read from the watermark date minus a look-back window. */
        DATE_WINDOW,
        /** Master data: a full read compared with what was delivered; keys that vanished are deletes. */
        SNAPSHOT,
        /**
         * Entities that carry a modification time (the BI entities' SysModifiedDateTime): rows modified since the
         * watermark minus an overlap, updates included. Deletes cannot be told (a reconcile finds them).
         */
        MODIFIED_SINCE
    }

    public static final ChangePolicy SNAPSHOT = new ChangePolicy(Strategy.SNAPSHOT, null, 0, 0);

    /** True when every read covers every row, so a key not read was deleted: only a snapshot can tell. */
    public boolean tellsDeletes() {
        return strategy == Strategy.SNAPSHOT;
    }
}
