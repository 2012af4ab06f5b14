package com.mlconnector.sync;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one run knows about one destination: what it holds for the keys of the batch in hand (key → hash, looked up per
 * batch, so memory does not grow with the entity) and what was sent.
 */
public final class DestinationRun {
    final String destination;
    /** Key → hash the destination holds, for the batch in hand (a targeted read: for the records its events name). */
    final Map<String, Long> known;
    /** A targeted read's records found again (few: the events' records); a full read keeps its keys in the state database. */
    final Set<String> seen;
    /** This run tells the destination's deletes (a full read, or a targeted one). */
    final boolean tellsDeletes;
    final Long watermark;
    Long confirmedMark;
    /** The growing-key watermark this run last stored for the destination. */
    Long markSet;
    long unchanged;
    long deleted;
    /** Rows sent because the destination did not hold their key, or held another version of it. */
    long inserted;
    long updated;
    /** Keys the destination holds that the full read no longer found (deleted by DELETE, or by a replace in Power BI). */
    long vanished;
    int deadBatches;
    /** Dead letters of earlier runs wait for this destination: the read did not start where it would need. */
    int lagging;
    /** Why the first batch of this run was dead-lettered here (the run ledger and `status` show it). */
    String firstDeadReason;
    /** A targeted read: the hashes of the records its events name are loaded up front and kept for the run. */
    boolean targeted;
    private boolean replace;
    private long delivered;

    DestinationRun(String destination, Map<String, Long> known, boolean tellsDeletes, boolean targeted, Long watermark) {
        this.destination = destination;
        this.known = known;
        this.tellsDeletes = tellsDeletes;
        this.targeted = targeted;
        this.seen = targeted ? new HashSet<>() : null;
        this.watermark = watermark;
    }

    public String destination() { return destination; }
    public long unchanged() { return unchanged; }
    public long deleted() { return deleted; }
    public int deadBatches() { return deadBatches; }
    /** Dead letters of earlier runs waiting for this destination (0: it is not lagging). */
    public int lagging() { return lagging; }
    /** What the destination holds for the keys of the batch in hand. */
    public Map<String, Long> known() { return known; }

    /** The destination's table must be replaced at the end of the run (it cannot be corrected in place). */
    public void markForReplace() { replace = true; }
    public boolean needsReplace() { return replace; }
    /** Rows the destination took in this run (for the decision to refresh a model). */
    public void delivered(long rows) { delivered += rows; }
    public long deliveredRows() { return delivered; }
}
