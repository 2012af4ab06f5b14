package com.mlconnector.sync;

import com.mlconnector.config.ConnectorSettings;
import com.mlconnector.fno.FnoClient;
import com.mlconnector.fno.ODataQueries;
import com.mlconnector.mapping.ChangePolicy;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.state.DeliveryState;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Opens, follows and closes runs: a row in {@code connector_run} per run, the {@link EntitySync} the route
 * carries in the exchange property {@code sync}, and the progress line logged after each batch.
 */
public final class RunLedger {
    private static final Logger LOG = LoggerFactory.getLogger(RunLedger.class);
    public static final String SYNC = "sync";
    public static final String DESTINATION = "landing";
    /** Header (boolean) of a reconcile: the entity read whole and compared, whatever its change strategy. */
    public static final String FULL_READ = "fullRead";
    /** Header: the id the run is to have (given by whoever started it and reports it), else a new one. */
    public static final String RUN_ID = "runId";
    /** Header of a run that reads only some records (a {@link TargetedRead}). */
    public static final String TARGETED_READ = "targetedRead";

    private final DataSource db;
    private final Mappings mappings;
    private final ConnectorSettings settings;
    private final FnoClient fno;
    private final ChangeDetection changes;
    private final DeliveryState state;
    private final com.mlconnector.state.TableLeases leases;

    public RunLedger(DataSource db, Mappings mappings, ConnectorSettings settings, FnoClient fno, ChangeDetection changes,
                     DeliveryState state, com.mlconnector.state.TableLeases leases) {
        this.db = db;
        this.mappings = mappings;
        this.settings = settings;
        this.fno = fno;
        this.changes = changes;
        this.state = state;
        this.leases = leases;
    }

    /**
     * Runs left RUNNING by a process that died (killed, crashed, its machine gone) are marked ABANDONED: those whose
     * table lease has expired, never one whose owner still renews it. Their confirmed batches stay confirmed, and
     * the next run of the table picks up from there. Called at start-up and by every node's heartbeat.
     */
    public int abandonInterrupted() throws SQLException {
        return abandon(db);
    }

    /** The run ledger says who took a dead run's table over, and when (the audit of a failover). */
    private void recordTakeover(java.util.List<String> deadRuns, String runId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE connector_run SET status = 'ABANDONED', finished_at = COALESCE(finished_at, ?), error_message = ? "
                        + "WHERE run_id = ? AND status IN ('RUNNING', 'ABANDONED')")) {
            Instant now = Instant.now();
            for (String dead : deadRuns) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setString(2, "the process running it stopped (its table lease expired); taken over by run " + runId + " on node "
                        + leases.owner() + " at " + now + ", which resumed from what was confirmed");
                ps.setString(3, dead);
                ps.executeUpdate();
            }
        }
    }

    public static int abandon(DataSource db) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE connector_run SET status = 'ABANDONED', finished_at = ?, error_message = "
                        + "'the process running it stopped (its table lease expired); the next run resumed from what was confirmed' "
                        + "WHERE status = 'RUNNING' AND NOT EXISTS (SELECT 1 FROM table_lease l WHERE l.run_id = connector_run.run_id "
                        + "AND l.expires_at > ?)")) {
            Instant now = Instant.now();
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setTimestamp(2, Timestamp.from(now));
            int n = ps.executeUpdate();
            if (n > 0) {
                LOG.warn("{} run(s) of a process that stopped were marked ABANDONED (their leases expired); their confirmed batches are kept", n);
            }
            return n;
        }
    }

    /**
     * Starts a run of the entity named in the header {@code entity}. Idempotent per exchange: when the error handler
     * repeats it (a transient database error), the repeat keeps the run id and the table this exchange already holds,
     * instead of waiting for its own hold, and a run already recorded is not started twice.
     */
    public void begin(Exchange exchange) throws SQLException {
        EntityMapping m = mappings.get(exchange.getMessage().getHeader("entity", String.class));
        String trigger = exchange.getMessage().getHeader("trigger", "schedule", String.class);
        EntitySync earlier = exchange.getProperty(SYNC, EntitySync.class);
        if (earlier != null && earlier.isRecorded()) {
            return;
        }
        String asked = exchange.getMessage().getHeader(RUN_ID, String.class); // a run started from JMX knows its id already
        String runId = earlier != null ? earlier.getRunId() : asked != null ? asked : UUID.randomUUID().toString();
        EntitySync sync = new EntitySync(runId, m, settings.batchSize);
        if (earlier != null) {
            sync.onEnd(earlier.handOverOnEnd()); // the table is held already: by this very exchange
        } else {
            holdTable(exchange, m, sync);
        }
        exchange.setProperty(SYNC, sync);
        TargetedRead targeted = exchange.getMessage().getHeader(TARGETED_READ, TargetedRead.class);
        String since;
        if (targeted != null) {
            // only the records business events point to: no watermark, no deletes, state looked up per batch
            sync.target(targeted);
            changes.planTargeted(sync);
            since = targeted.filter();
            sync.startAt(ODataQueries.firstPage(fno.serviceRoot(), m, settings.crossCompany, settings.legalEntities, since, null));
        } else {
            sync.fullRead(exchange.getMessage().getHeader(FULL_READ, false, Boolean.class));
            since = changes.plan(sync);
            // one chain of pages, or one per legal entity (a large growing-key chain is split further after its first page)
            new ReadPartitioner(fno, settings).start(sync, since);
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO connector_run (run_id, entity, target_table, destination, trigger_kind, status, started_at, node_id) "
                        + "VALUES (?, ?, ?, ?, ?, 'RUNNING', ?, ?)")) {
            ps.setString(1, runId);
            ps.setString(2, m.entitySet());
            ps.setString(3, m.table());
            ps.setString(4, DESTINATION);
            ps.setString(5, trigger);
            ps.setTimestamp(6, Timestamp.from(sync.getStarted()));
            ps.setString(7, leases.owner());
            ps.executeUpdate();
        }
        sync.recorded();
        if (targeted != null) {
            LOG.info("run={} entity={} started ({}): read of the records {} event(s) point to, where {}", runId, m.entitySet(),
                    trigger, targeted.eventIds().size(), since.length() > 300 ? since.substring(0, 300) + "…" : since);
        } else {
            LOG.info("run={} entity={} started ({}): {} read{}", runId, m.entitySet(), trigger,
                    sync.isFullRead() ? "reconcile (full, with deletes)" : m.change().strategy().name().toLowerCase().replace('_', '-'),
                    since == null ? " (full)" : " where " + since);
        }
    }

    /**
     * One run of a table at a time, across every process and node sharing the state database (a schedule and a
     * business-event read of the same table, or the service and a one-off `sync --once`, would otherwise both send
     * rows the other is sending): the run takes the table's lease, waiting up to sync.table-wait-minutes for the run
     * that holds it. Released when the run ends, or at the latest when its exchange completes.
     */
    private void holdTable(Exchange exchange, EntityMapping m, EntitySync sync) {
        java.time.Instant deadline = Instant.now().plus(Duration.ofMinutes(settings.tableWaitMinutes));
        com.mlconnector.state.TableLeases.Holder holder;
        long pause = 200;
        try {
            while (true) {
                java.util.List<String> takenFrom = new java.util.ArrayList<>();
                holder = leases.tryAcquire(m.table(), sync.getRunId(), takenFrom);
                if (holder == null) {
                    if (!takenFrom.isEmpty()) {
                        LOG.warn("run={} entity={} took over the table from run {}, whose process stopped renewing its lease",
                                sync.getRunId(), m.entitySet(), takenFrom);
                        abandon(db);
                        recordTakeover(takenFrom, sync.getRunId());
                    }
                    break;
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException(m.table() + " is held by " + holder.describe() + "; waited "
                            + settings.tableWaitMinutes + " minutes (sync.table-wait-minutes), so this run was not started");
                }
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 2_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the run of " + m.table() + " in progress");
        } catch (SQLException e) {
            throw new IllegalStateException("could not take the lease of " + m.table() + " in the state database: " + e.getMessage(), e);
        }
        java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
        Runnable release = () -> {
            if (held.compareAndSet(true, false)) {
                try {
                    leases.release(m.table(), sync.getRunId());
                } catch (SQLException e) {
                    LOG.warn("run={} could not release the lease of {} (it expires by itself): {}", sync.getRunId(), m.table(), e.getMessage());
                }
            }
        };
        sync.startedNow();
        sync.onEnd(release);
        sync.leaseLost(() -> leases.isLost(sync.getRunId()));
        exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                release.run();
            }
        });
    }

    /** Counts a landed batch and logs progress: rows so far of the total, rate and ETA. */
    public void batchWritten(Exchange exchange) {
        EntitySync sync = exchange.getProperty(SYNC, EntitySync.class);
        Batch batch = exchange.getMessage().getBody(Batch.class);
        sync.batchWritten(batch);
        double seconds = Math.max(0.001, sync.elapsed().toMillis() / 1000.0);
        double rate = sync.getRowsWritten() / seconds;
        Long total = sync.getTotal();
        String of = total == null ? "" : " of " + String.format("%,d", total)
                + String.format(" (%d%%)", total == 0 ? 100 : sync.getRowsWritten() * 100 / total);
        String eta = total == null || rate <= 0 ? "" : ", ETA " + formatDuration(Duration.ofMillis(
                (long) (Math.max(0, total - sync.getRowsWritten()) / rate * 1000)));
        LOG.info("run={} entity={} destination={} batch={} rows={} written {}{} rows, {} rows/s{}",
                sync.getRunId(), sync.getEntity(), DESTINATION, batch.sequence(), batch.size(),
                String.format("%,d", sync.getRowsWritten()), of, String.format("%,.0f", rate), eta);
    }

    /**
     * Closes a run that read to the end: date-window watermarks move on, and the run is SUCCEEDED, or PARTIAL when a
     * batch was dead-lettered or a step after the landing failed (then this throws, so the caller and the exit code
     * see the run did not fully succeed).
     */
    public void finished(Exchange exchange) throws SQLException {
        EntitySync sync = exchange.getProperty(SYNC, EntitySync.class);
        EntityMapping m = sync.getMapping();
        int dead = 0;
        for (DestinationRun d : sync.destinations()) {
            dead += d.deadBatches;
            // unordered reads (a date window, a modification time) move their watermark once the whole read is confirmed
            boolean unordered = m.change().strategy() == ChangePolicy.Strategy.DATE_WINDOW
                    || m.change().strategy() == ChangePolicy.Strategy.MODIFIED_SINCE;
            if (unordered && sync.targeted() == null && d.deadBatches == 0
                    && d.confirmedMark != null
                    && (d.watermark == null || d.confirmedMark > d.watermark)) {
                state.setWatermark(m.table(), d.destination, d.confirmedMark);
            }
        }
        DestinationRun landing = sync.destination(DESTINATION);
        String summary = String.format("%d rows read, %d unchanged, %d written, %d deleted in %d batches from %d pages, %s",
                sync.getRowsRead(), landing.unchanged, sync.getRowsWritten(), landing.deleted, sync.getBatches(),
                sync.getPages(), formatDuration(sync.elapsed()));
        if (dead > 0) {
            StringBuilder why = new StringBuilder(dead + " batch(es) dead-lettered; see `replay --list`");
            for (DestinationRun d : sync.destinations()) {
                if (d.firstDeadReason != null) {
                    why.append("; ").append(d.destination).append(": ").append(d.firstDeadReason);
                }
            }
            finish(sync, "PARTIAL", why.toString());
            sync.markFailed();
            LOG.error("run={} entity={} PARTIAL: {}; {} batch(es) dead-lettered", sync.getRunId(), sync.getEntity(), summary, dead);
            throw new DeadLetteredException(sync.getEntity() + ": " + dead + " batch(es) dead-lettered; replay them with `replay`");
        }
        if (!sync.followUpFailures().isEmpty()) {
            String why = String.join("; ", sync.followUpFailures());
            finish(sync, "PARTIAL", why);
            sync.markFailed();
            LOG.error("run={} entity={} PARTIAL: {}; {}", sync.getRunId(), sync.getEntity(), summary, why);
            throw new IncompleteRunException(sync.getEntity() + ": the rows landed, but " + why);
        }
        reconciled(sync); // recorded before the run shows SUCCEEDED: whoever sees it finished sees what it corrected
        finish(sync, "SUCCEEDED", null);
        LOG.info("run={} entity={} succeeded: {}", sync.getRunId(), sync.getEntity(), summary);
    }

    /**
     * After a reconcile: what it corrected in each destination (the drift the incremental runs missed) is recorded
     * (audit kind RECONCILE) and logged. A posted ledger should never need correcting: anything found there is a warning.
     */
    private void reconciled(EntitySync sync) throws SQLException {
        if (!sync.isFullRead()) {
            return;
        }
        for (DestinationRun d : sync.destinations()) {
            String found = String.format("inserted %d, updated %d, deleted %d, unchanged %d", d.inserted, d.updated, d.vanished, d.unchanged);
            state.note(sync.getRunId(), sync.getMapping().table(), d.destination, "RECONCILE", (int) (d.inserted + d.updated + d.vanished),
                    "CONFIRMED", found, sync.getStarted());
            com.mlconnector.ops.ConnectorMetrics.reconciled(sync.getMapping().table(), d.destination, d.inserted, d.updated, d.vanished);
            boolean drift = d.inserted + d.updated + d.vanished > 0;
            if (drift && sync.getMapping().change().strategy() == ChangePolicy.Strategy.GROWING_KEY) {
                LOG.warn("run={} entity={} destination={} reconcile: posted entries changed or vanished since they were read: {}",
                        sync.getRunId(), sync.getEntity(), d.destination, found);
            } else {
                LOG.info("run={} entity={} destination={} reconcile: {}", sync.getRunId(), sync.getEntity(), d.destination, found);
            }
        }
    }

    /** Records why a run failed (called by the shared error handler once retries are exhausted). */
    public void failed(Exchange exchange) {
        EntitySync sync = exchange.getProperty(SYNC, EntitySync.class);
        if (sync == null || sync.isFailed()) {
            return; // no run, or its failure is recorded already (a batch route failed inside the sync route)
        }
        sync.markFailed();
        // the batches read before the failure are delivered (or dead-lettered) first: the run's record then says
        // what really landed, not what a queue had managed by the time the read failed
        sync.settleBeforeFailure();
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String why = cause == null ? "unknown failure" : describe(cause);
        try {
            finish(sync, "FAILED", why);
        } catch (SQLException e) {
            LOG.error("run={} could not record its failure in the run ledger: {}", sync.getRunId(), e.getMessage());
        }
        LOG.error("run={} entity={} FAILED after {} rows written: {}", sync.getRunId(), sync.getEntity(),
                sync.getRowsWritten(), why);
    }

    private void finish(EntitySync sync, String status, String error) throws SQLException {
        // the outcome is recorded while the lease is still held (then no other process can take this run for abandoned),
        // and it is the truth even over an ABANDONED set while this process stalled past its lease
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE connector_run SET status = ?, finished_at = ?, rows_total = ?, rows_read = ?, rows_written = ?, "
                        + "batches = ?, pages = ?, error_message = ?, rows_unchanged = ?, rows_deleted = ?, dead_batches = ? "
                        + "WHERE run_id = ? AND status IN ('RUNNING', 'ABANDONED')")) {
            ps.setString(1, status);
            ps.setTimestamp(2, Timestamp.from(Instant.now()));
            if (sync.getTotal() == null) {
                ps.setNull(3, java.sql.Types.BIGINT);
            } else {
                ps.setLong(3, sync.getTotal());
            }
            ps.setLong(4, sync.getRowsRead());
            ps.setLong(5, sync.getRowsWritten());
            ps.setInt(6, sync.getBatches());
            ps.setInt(7, sync.getPages());
            ps.setString(8, error == null ? null : error.substring(0, Math.min(4000, error.length())));
            long unchanged = 0;
            long deleted = 0;
            int dead = 0;
            for (DestinationRun d : sync.destinations()) {
                unchanged += d.unchanged;
                deleted += d.deleted;
                dead += d.deadBatches;
            }
            ps.setLong(9, unchanged);
            ps.setLong(10, deleted);
            ps.setInt(11, dead);
            ps.setString(12, sync.getRunId());
            ps.executeUpdate();
        } finally {
            try {
                state.forgetSeen(sync.getRunId());
            } catch (SQLException e) {
                LOG.warn("run={} could not forget the keys it saw (the next run does): {}", sync.getRunId(), e.getMessage());
            }
            sync.ended();
        }
    }

    static String describe(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c
                && (c.getMessage() == null || c instanceof org.apache.camel.CamelExecutionException
                || c.getClass().getName().startsWith("org.apache.camel.RuntimeCamel"))) {
            c = c.getCause();
        }
        String msg = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        if (c instanceof org.apache.camel.http.base.HttpOperationFailedException h) {
            msg = "HTTP " + h.getStatusCode() + " from " + h.getUri() + (h.getResponseBody() == null || h.getResponseBody().isBlank()
                    ? "" : ": " + h.getResponseBody().substring(0, Math.min(500, h.getResponseBody().length())));
        }
        return c.getClass().getSimpleName() + ": " + msg;
    }

    public static String formatDuration(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return String.format("%.1fs", d.toMillis() / 1000.0);
        }
        return String.format("%dm%02ds", s / 60, s % 60);
    }
}
