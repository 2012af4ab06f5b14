package com.mlconnector.sync;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** What one run knows about one destination: what it holds (key → hash, in the read's scope) and what was sent. */
public final class DestinationRun {
    final String destination;
    final Map<String, Long> known;
    final Set<String> seen;
    final Long watermark;
    Long confirmedMark;
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
    /** A targeted read: what the destination holds is looked up for each batch's keys. */
    boolean lookUpPerBatch;
    private boolean replace;
    private long delivered;

    DestinationRun(String destination, Map<String, Long> known, boolean trackSeen, Long watermark) {
        this.destination = destination;
        this.known = known;
        this.seen = trackSeen ? new HashSet<>() : null;
        this.watermark = watermark;
    }

    public String destination() { return destination; }
    public long unchanged() { return unchanged; }
    public long deleted() { return deleted; }
    public int deadBatches() { return deadBatches; }
    /** Dead letters of earlier runs waiting for this destination (0: it is not lagging). */
    public int lagging() { return lagging; }
    public Map<String, Long> known() { return known; }

    /** The destination's table must be replaced at the end of the run (it cannot be corrected in place). */
    public void markForReplace() { replace = true; }
    public boolean needsReplace() { return replace; }
    /** Rows the destination took in this run (for the decision to refresh a model). */
    public void delivered(long rows) { delivered += rows; }
    public long deliveredRows() { return delivered; }
}
