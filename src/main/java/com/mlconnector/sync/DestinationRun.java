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
    int deadBatches;

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
}
