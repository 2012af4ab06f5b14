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
    /** The chains of pages of this read (one unless it was split); guarded by this. */
    private final List<ReadPartition> partitions = new ArrayList<>();
    /** Partitions planned before the read (their $counts add up to the read's total); later ones split a remainder. */
    private int rootPartitions;
    /** Batches cut from the partitions and not yet handed to the route. */
    private final List<Batch> cut = new ArrayList<>();
    /** Batch sequence → its partition, and per destination and partition: batches handled, the highest key among them. */
    private final Map<Integer, Integer> partitionOfBatch = new java.util.HashMap<>();
    private final Map<String, Map<Integer, long[]>> handled = new java.util.HashMap<>();
    /** A growing-key read: every key it reads is above this one (null: a first, full read). */
    private Long keyFrom;
    private final Map<String, DestinationRun> destinations = new LinkedHashMap<>();
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
    public synchronized Long getTotal() { return total; }
    public long getRowsRead() { return rowsRead; }
    public long getRowsWritten() { return rowsWritten; }
    public int getBatches() { return batches; }
    public synchronized int getPages() { return pages; }

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

    private final List<Runnable> beforeFailed = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Something to do before a failed run is recorded (its delivery queues deliver what they hold). */
    void beforeFailed(Runnable r) { beforeFailed.add(r); }

    /** The run failed: what must settle before its outcome is recorded does. */
    void settleBeforeFailure() {
        beforeFailed.forEach(Runnable::run);
        beforeFailed.clear();
    }

    /** The run is over (its table may be run again). */
    void ended() {
        alsoOnEnd.forEach(Runnable::run);
        alsoOnEnd.clear();
        onEnd.run();
    }

    /** Non-null when this run reads only the records business events point to. */
    public TargetedRead targeted() { return targeted; }

    void target(TargetedRead t) { this.targeted = t; }

    /** Where the read starts, once change detection has planned it: one chain of pages. */
    synchronized void startAt(String firstPage) {
        startAt(List.of(new ReadPartition.Spec(0, "all", null, null, keyFrom)), List.of(firstPage));
    }

    /** The read as planned: one chain of pages per partition (legal entities read at once). */
    synchronized void startAt(List<ReadPartition.Spec> specs, List<String> firstPages) {
        partitions.clear();
        for (int i = 0; i < specs.size(); i++) {
            partitions.add(new ReadPartition(specs.get(i), firstPages.get(i)));
        }
        rootPartitions = specs.size();
    }

    /** Held while a chain's remainder is split (the chains of one run may finish their first pages at once). */
    final Object splitLock = new Object();

    /** A growing-key read's lower bound: every key it reads is above it (set by change detection; null for a full read). */
    synchronized void keyFrom(Long from) { this.keyFrom = from; }

    synchronized Long keyFrom() { return keyFrom; }

    /** The partitions with pages left to read. */
    synchronized List<ReadPartition> openPartitions() {
        return partitions.stream().filter(p -> !p.done).toList();
    }

    synchronized int partitionCount() { return partitions.size(); }

    /** True while F&O has pages left to read, or batches read wait to be handed on (the route's loop condition). */
    public synchronized boolean isMorePages() {
        return !cut.isEmpty() || partitions.stream().anyMatch(p -> !p.done);
    }

    synchronized boolean hasCutBatches() {
        return !cut.isEmpty();
    }

    private FnoPages.InFlight inFlight;

    /** The run's pages in flight (made on first use). */
    synchronized FnoPages.InFlight pagesInFlight(java.util.function.Supplier<FnoPages.InFlight> make) {
        if (inFlight == null) {
            inFlight = make.get();
        }
        return inFlight;
    }

    /**
     * Records a page of a partition that was read whole, and the link to the one after it (null at the end of the
     * partition); the partition's full batches (at its end, its remainder too) are cut.
     */
    synchronized void pageRead(ReadPartition p, List<Object[]> rows, String next, Long count) {
        if (p.pages == 0 && count != null) {
            p.count = count;
            if (p.index() < rootPartitions) {
                total = (total == null ? 0 : total) + count;
            }
        }
        pages++;
        p.pages++;
        p.rows += rows.size();
        rowsRead += rows.size();
        p.pending.addAll(rows);
        seenPages.add(p.next);
        p.next = next;
        p.done = next == null;
        cut(p);
    }

    /**
     * The rest of a partition (what its next link would have read) is read as these partitions instead, each by its
     * own chain; the partition itself ends where it is.
     */
    synchronized void split(ReadPartition p, List<ReadPartition.Spec> specs, List<String> firstPages) {
        p.next = null;
        p.done = true;
        cut(p);
        for (int i = 0; i < specs.size(); i++) {
            partitions.add(new ReadPartition(specs.get(i), firstPages.get(i)));
        }
    }

    private void cut(ReadPartition p) {
        int from = 0;
        while (p.pending.size() - from >= batchSize || (p.done && p.pending.size() > from)) {
            int to = Math.min(from + batchSize, p.pending.size());
            Batch b = Batch.read(runId, mapping, ++batches, new ArrayList<>(p.pending.subList(from, to)));
            partitionOfBatch.put(b.sequence(), p.index());
            p.batches++;
            cut.add(b);
            from = to;
        }
        p.pending.subList(0, from).clear();
    }

    synchronized boolean alreadyRead(String url) {
        return seenPages.contains(url);
    }

    /** The batches cut since the last call: full ones, and at a partition's end its remainder. */
    synchronized List<Batch> takeBatches() {
        List<Batch> out = new ArrayList<>(cut);
        cut.clear();
        return out;
    }

    /**
     * A batch of this read was handled by a destination (delivered, or already held as it is) without a dead letter.
     * Returns where the growing-key watermark can be for that destination now: the highest key below which every
     * partition's rows are confirmed (each partition's are confirmed in key order, up to the highest key handled; a
     * partition not started yet holds only keys above its lower bound). Null when no such key is known.
     */
    synchronized Long handled(String destination, Batch b) {
        Integer part = partitionOfBatch.get(b.sequence());
        if (part == null || b.kind() != Batch.Kind.UPSERT) {
            return null;
        }
        long[] h = handled.computeIfAbsent(destination, d -> new java.util.HashMap<>()).computeIfAbsent(part, x -> new long[]{0, 0, 0});
        h[0]++;
        for (Object[] row : b.rows()) {
            Long key = RowKeys.scopeValue(mapping, row);
            if (key != null && (h[2] == 0 || key > h[1])) {
                h[1] = key;
                h[2] = 1;
            }
        }
        Long highest = null;
        Long lowestOpen = null;
        boolean allConfirmed = true;
        for (ReadPartition p : partitions) {
            long[] ph = handled.get(destination).get(p.index());
            Long max = ph == null || ph[2] == 0 ? null : ph[1];
            if (max != null && (highest == null || max > highest)) {
                highest = max;
            }
            boolean confirmed = p.done && p.pending.isEmpty() && (ph == null ? 0 : ph[0]) == p.batches;
            if (!confirmed) {
                allConfirmed = false;
                Long bound = max != null ? max : p.spec.keyAbove();
                if (bound == null) {
                    return null; // a partition of a first read, nothing of it confirmed: no key is known to be safe
                }
                lowestOpen = lowestOpen == null ? bound : Math.min(lowestOpen, bound);
            }
        }
        return allConfirmed ? highest : lowestOpen;
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

    /** True when the read ran to its last page (of every partition): only then can a full read tell deletes. */
    public synchronized boolean readComplete() {
        return pages > 0 && partitions.stream().allMatch(p -> p.done);
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
