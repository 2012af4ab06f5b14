package com.mlconnector.sync;

import com.mlconnector.mapping.EntityMapping;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One run of one entity: where the read has got to, the rows waiting for a full batch, and the counts the run
 * ledger and the progress log report. Lives in the exchange property {@code sync} while the run lasts.
 */
public final class EntitySync {
    private final String runId;
    private final EntityMapping mapping;
    private final int batchSize;
    private Instant started = Instant.now();
    private final Set<String> seenPages = new HashSet<>();
    private final List<Object[]> pending = new ArrayList<>();
    private final Map<String, DestinationRun> destinations = new LinkedHashMap<>();
    private String nextPage;
    private Long total;
    private long rowsRead;
    private long rowsWritten;
    private int batches;
    private int pages;
    private volatile boolean failed;
    private final List<String> followUpFailures = new ArrayList<>();
    private TargetedRead targeted;
    private Runnable onEnd = () -> { };

    public EntitySync(String runId, EntityMapping mapping, int batchSize) {
        this.runId = runId;
        this.mapping = mapping;
        this.batchSize = batchSize;
    }

    public String getRunId() { return runId; }
    public EntityMapping getMapping() { return mapping; }
    public String getEntity() { return mapping.entitySet(); }
    public Instant getStarted() { return started; }
    public Long getTotal() { return total; }
    public long getRowsRead() { return rowsRead; }
    public long getRowsWritten() { return rowsWritten; }
    public int getBatches() { return batches; }
    public int getPages() { return pages; }
    public String getNextPage() { return nextPage; }

    void onEnd(Runnable r) { this.onEnd = r; }

    /** The run starts when it holds its table (it may have waited for another run of it). */
    void startedNow() { this.started = Instant.now(); }

    /** Gives what ends the run (the table's release) to the run that takes this one's place; this one keeps nothing. */
    Runnable handOverOnEnd() {
        Runnable r = onEnd;
        onEnd = () -> { };
        return r;
    }

    private boolean fullRead;

    /** A reconcile: the entity read whole and compared (inserts, updates and deletes), whatever its change strategy. */
    void fullRead(boolean full) { this.fullRead = full; }

    public boolean isFullRead() { return fullRead; }

    private boolean recorded;

    /** The run has its row in the run ledger. */
    void recorded() { recorded = true; }

    boolean isRecorded() { return recorded; }

    private final Set<String> companiesSeen = new HashSet<>();

    /** A legal entity whose rows this read found (a handful: what a full read without cross-company covered). */
    synchronized void companySeen(String company) { companiesSeen.add(company); }

    synchronized Set<String> companiesSeen() { return Set.copyOf(companiesSeen); }

    private java.util.function.BooleanSupplier leaseLost = () -> false;

    void leaseLost(java.util.function.BooleanSupplier lost) { this.leaseLost = lost; }

    /** Another process took this run's table (this one stalled past its lease): the run must stop. */
    public boolean isLeaseLost() { return leaseLost.getAsBoolean(); }

    private final List<Runnable> alsoOnEnd = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Something else to do when the run ends (its delivery queues stop). */
    void alsoOnEnd(Runnable r) { alsoOnEnd.add(r); }

    /** The run is over (its table may be run again). */
    void ended() {
        alsoOnEnd.forEach(Runnable::run);
        alsoOnEnd.clear();
        onEnd.run();
    }

    /** Non-null when this run reads only the records business events point to. */
    public TargetedRead targeted() { return targeted; }

    void target(TargetedRead t) { this.targeted = t; }

    /** Where the read starts, once change detection has planned it. */
    void startAt(String firstPage) {
        this.nextPage = firstPage;
    }

    /** True while F&O has pages left to read (the route's loop condition). */
    public boolean isMorePages() {
        return nextPage != null;
    }

    /** Records a page that was read whole, and the link to the one after it (null at the end). */
    void pageRead(List<Object[]> rows, String next, Long count) {
        if (total == null && count != null) {
            total = count;
        }
        pages++;
        rowsRead += rows.size();
        pending.addAll(rows);
        seenPages.add(nextPage);
        nextPage = next;
    }

    boolean alreadyRead(String url) {
        return seenPages.contains(url);
    }

    /** The full batches now waiting, and at the end of the read the remainder too. */
    List<Batch> takeBatches() {
        List<Batch> out = new ArrayList<>();
        int from = 0;
        while (pending.size() - from >= batchSize || (nextPage == null && pending.size() > from)) {
            int to = Math.min(from + batchSize, pending.size());
            out.add(Batch.read(runId, mapping, ++batches, new ArrayList<>(pending.subList(from, to))));
            from = to;
        }
        pending.subList(0, from).clear();
        return out;
    }

    void batchWritten(Batch b) {
        if (b.kind() == Batch.Kind.UPSERT) {
            rowsWritten += b.size(); // deletes are counted by the destination run
        }
    }

    void addDestination(DestinationRun d) {
        destinations.put(d.destination(), d);
    }

    public DestinationRun destination(String name) {
        DestinationRun d = destinations.get(name);
        if (d == null) {
            throw new IllegalStateException("run " + runId + " has no destination " + name);
        }
        return d;
    }

    public boolean hasDestination(String name) {
        return destinations.containsKey(name);
    }

    public Collection<DestinationRun> destinations() {
        return destinations.values();
    }

    /** True when the read ran to its last page: only then can a full read tell deletes. */
    public boolean readComplete() {
        return nextPage == null && pages > 0;
    }

    /** Set once the run's failure is recorded, so the failure of a batch is not retried again by the route around it. */
    public boolean isFailed() {
        return failed;
    }

    void markFailed() {
        failed = true;
    }

    /**
     * A step after the rows landed did not succeed (a Tableau extract refresh): the rows stay delivered, and the run
     * ends PARTIAL with this reason.
     */
    public synchronized void followUpFailed(String reason) {
        followUpFailures.add(reason);
    }

    public synchronized List<String> followUpFailures() {
        return List.copyOf(followUpFailures);
    }

    public Duration elapsed() {
        return Duration.between(started, Instant.now());
    }
}
