package com.mlconnector.databricks;

import com.fasterxml.jackson.databind.JsonNode;
import com.mlconnector.destination.AfterRuns;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;
import com.mlconnector.state.DeliveryState;
import com.mlconnector.state.FollowUpsOwed;
import com.mlconnector.sync.Batch;
import com.mlconnector.sync.DestinationRun;
import com.mlconnector.sync.EntitySync;
import com.mlconnector.sync.FollowUps;
import com.mlconnector.sync.RetryPolicy;
import com.mlconnector.sync.RunLedger;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Databricks destination (route bean {@code databricks}): one Delta table per mapped entity in a Unity Catalog
 * schema, created from the mapping and widened when it gains columns; batches upserted by the natural key with
 * MERGE (re-running one changes nothing), deletes applied as DELETE or a soft-delete flag; after the runs that landed
 * rows, the configured Job is started once for them (sync.FollowUps) with an idempotency token derived from those runs,
 * so a retried trigger returns the same run.
 */
public final class DatabricksDestination implements com.mlconnector.destination.Destination, AfterRuns {
    public static final String DESTINATION = "databricks";
    /** Jobs API run life-cycle states: still going, and ended. */
    private static final Set<String> GOING = Set.of("QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY");
    private static final Set<String> ENDED = Set.of("TERMINATED", "SKIPPED", "INTERNAL_ERROR");
    private static final Logger LOG = LoggerFactory.getLogger(DatabricksDestination.class);

    private final DatabricksSettings settings;
    private final DatabricksClient client;
    private final DeliveryState state;
    private final RetryPolicy retries;
    private final Set<String> ready = ConcurrentHashMap.newKeySet();
    private final DatabricksBulkLoad bulk;
    /** Runs that already merged what earlier runs left staged (before their first write). */
    private final Set<String> caughtUp = ConcurrentHashMap.newKeySet();

    private final FollowUps followUps;

    public DatabricksDestination(DatabricksSettings settings, DatabricksClient client, DeliveryState state, RetryPolicy retries,
                                 FollowUps followUps) {
        this.settings = settings;
        this.client = client;
        this.state = state;
        this.retries = retries;
        this.bulk = new DatabricksBulkLoad(settings, client, this);
        this.followUps = followUps;
        if (settings.enabled) {
            followUps.register(this); // its Job: once after the runs that landed rows
        }
    }

    /**
     * One statement, retried on its own: each statement is idempotent (a MERGE by key, a DELETE by key, a CREATE IF
     * NOT EXISTS), so a throttled or dropped statement is submitted again without repeating the batch's others. A
     * 429/503 holds every submission of the process back until its Retry-After has passed.
     */
    List<List<String>> run(String text, List<DatabricksClient.Param> params) throws Exception {
        return attempt(() -> client.execute(text, params));
    }

    /** One idempotent call to the workspace (a statement, a file upload, a listing), retried on its own. */
    <T> T attempt(java.util.concurrent.Callable<T> call) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (Exception e) {
                RetryPolicy.Decision d = retries.decide(e, attempt - 1);
                if (d.retry() && throttled(e)) {
                    client.holdOff(d.delay()); // the next submission, of any batch or thread, waits for it
                }
                if (!d.retry()) {
                    throw e;
                }
                if (attempt >= retries.maxAttempts()) {
                    // the statement had its retries: the batch is not tried again whole (its dead letter replays it)
                    throw new DatabricksClient.StatementFailedException("a Databricks call failed " + attempt
                            + " times (retry.max-attempts), the last time: " + d.reason());
                }
                LOG.warn("Databricks call attempt {} of {} failed ({}); trying this call again", attempt,
                        retries.maxAttempts(), d.reason());
                if (throttled(e)) {
                    com.mlconnector.ops.ConnectorMetrics.retry(d.reason()); // the wait is the client's, before it submits
                } else {
                    retries.pause(d);
                }
            }
        }
    }

    private void mergeStaged(EntitySync sync) throws Exception {
        Instant started = Instant.now();
        String table = sync.getMapping().table();
        try {
            int files = bulk.mergeStaged(sync.getMapping(), null);
            if (files > 0) {
                state.note(sync.getRunId(), table, DESTINATION, "BULK", (int) Math.min(Integer.MAX_VALUE,
                        sync.destination(DESTINATION).deliveredRows()), "CONFIRMED", files + " staged file(s) merged", started);
            }
        } catch (Exception e) {
            state.note(sync.getRunId(), table, DESTINATION, "BULK", 0, "FAILED", "staged rows not merged yet: " + e.getMessage(), started);
            throw new IllegalStateException("Databricks: the rows staged for " + table + " could not be merged (" + e.getMessage()
                    + "); they stay in " + settings.volume + "/ml-connector/" + table + " and are merged before the next write to the table", e);
        }
    }

    private static boolean throttled(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.camel.http.base.HttpOperationFailedException h) {
                return h.getStatusCode() == 429 || h.getStatusCode() == 503;
            }
        }
        return false;
    }

    @Override
    public String name() {
        return DESTINATION;
    }

    @Override
    public boolean enabled() {
        return settings.enabled;
    }

    /** Databricks takes the tables databricks.tables names (every mapped table by default). */
    @Override
    public boolean takes(EntityMapping mapping) {
        return settings.enabled && settings.takes(mapping.table());
    }

    /** Its step at the end of a run: {@code direct:finish-databricks}. */
    @Override
    public boolean finishes() {
        return true;
    }

    /** Creates the table if missing and adds the columns the mapping gained (once per table and process). */
    void ensureTable(EntityMapping m) throws Exception {
        if (ready.contains(m.table())) {
            return;
        }
        run(DatabricksSql.createTable(m, settings.softDelete), List.of());
        Set<String> existing = new HashSet<>();
        for (List<String> row : run("SHOW COLUMNS IN " + DatabricksSql.q(m.table()), List.of())) {
            existing.add(row.get(0).toLowerCase(Locale.ROOT));
        }
        List<TargetColumn> missing = m.columns().stream().filter(c -> !existing.contains(c.name().toLowerCase(Locale.ROOT))).toList();
        if (!missing.isEmpty()) {
            LOG.info("Databricks table {} gains columns {} (mapping changed)", m.table(), missing.stream().map(TargetColumn::name).toList());
            run(DatabricksSql.addColumns(m, missing), List.of());
        }
        ready.add(m.table());
    }

    /**
     * Upserts (or deletes) the body's rows, or in a large run stages them as a file (the bulk path); the body stays as
     * it is, for the record of what was confirmed.
     */
    public void write(Exchange exchange) throws Exception {
        Batch b = exchange.getMessage().getBody(Batch.class);
        EntityMapping m = b.mapping();
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        ensureTable(m);
        if (settings.bulk() && sync != null && !caughtUp.contains(sync.getRunId())) {
            // rows earlier runs staged are confirmed: they reach the table before anything this run writes
            bulk.mergeStaged(m, DatabricksBulkLoad.folderOf(sync));
            if (caughtUp.size() > 1_000) {
                caughtUp.clear(); // runs that failed before their end never removed themselves
            }
            caughtUp.add(sync.getRunId());
        }
        if (bulk.applies(sync, b)) {
            String path = bulk.stage(sync, b);
            sync.destination(DESTINATION).delivered(b.size());
            LOG.info("run={} entity={} destination=databricks batch={} rows={} staged as {} (bulk path: merged at the end of the run)",
                    sync.getRunId(), m.entitySet(), b.sequence(), b.size(), path);
            return;
        }
        List<DatabricksSql.Stmt> statements = b.kind() == Batch.Kind.DELETE
                ? DatabricksSql.delete(m, b.rows(), settings.rowsPerStatement, settings.softDelete)
                : DatabricksSql.merge(m, b.rows(), settings.rowsPerStatement, settings.softDelete);
        for (DatabricksSql.Stmt s : statements) {
            run(s.text(), s.params());
        }
        if (sync != null) {
            DestinationRun d = sync.destination(DESTINATION);
            d.delivered(b.size());
            LOG.info("run={} entity={} destination=databricks batch={} rows={} {} in {} statement(s)", sync.getRunId(),
                    m.entitySet(), b.sequence(), b.size(), b.kind() == Batch.Kind.DELETE ? "deleted" : "merged", statements.size());
        }
    }

    /**
     * At the end of a run: what is staged for the table is merged (this run's bulk load, and any folder an earlier run
     * left); then, after a run that landed rows, the Job is owed (sync.FollowUps: started once for the runs that owe it,
     * at the end of this run, of a sync --once, or of the service's window).
     */
    public void finish(Exchange exchange) throws Exception {
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        caughtUp.remove(sync.getRunId());
        if (settings.bulk()) {
            mergeStaged(sync);
        }
        DestinationRun d = sync.destination(DESTINATION);
        if (settings.jobId == null || d.deliveredRows() == 0) {
            return;
        }
        followUps.owe(this, sync.getMapping().table(), sync.getRunId(),
                exchange.getMessage().getHeader(FollowUps.DEFER, false, Boolean.class));
    }

    /** A follow-up follows the runs of this many seconds (the service's window). */
    @Override
    public int coalesceSeconds() {
        return settings.coalesceSeconds;
    }

    /**
     * The Job, once for the runs that owe it: its idempotency token is made of those runs (a retry of the same follow-up
     * returns the same job run), and job_parameters name the tables and their runs so the job can model only those.
     */
    @Override
    public void followUp(List<FollowUpsOwed.Owed> owed) throws Exception {
        if (settings.jobId == null) {
            return;
        }
        Instant started = Instant.now();
        String tables = owed.stream().map(FollowUpsOwed.Owed::table).collect(java.util.stream.Collectors.joining(","));
        String runs = owed.stream().map(o -> o.table() + "=" + o.runId()).collect(java.util.stream.Collectors.joining(","));
        String token = "ml-connector-" + java.util.UUID.nameUUIDFromBytes(runs.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        long runId = client.runNow(settings.jobId, token, settings.jobParameters ? Map.of("tables", tables, "run_ids", runs) : null);
        String outcome = "job " + settings.jobId + " run " + runId + " started for " + tables + " (idempotency token " + token + ")";
        if (settings.followJob) {
            JsonNode run;
            long wait = 1000;
            Instant deadline = started.plusSeconds(settings.jobTimeoutSeconds);
            String lifeCycle;
            while (true) {
                Thread.sleep(wait);
                wait = Math.min(wait * 2, 30_000);
                run = client.run(runId);
                lifeCycle = run.path("state").path("life_cycle_state").asText("");
                if (ENDED.contains(lifeCycle)) {
                    break;
                }
                if (!GOING.contains(lifeCycle)) {
                    // a state this connector does not know: say so rather than poll it for ever
                    state.noteEach(owed, DESTINATION, "JOB", "FAILED",
                            outcome + ", in a state the connector does not know: " + lifeCycle, started);
                    throw new IllegalStateException("Databricks " + outcome + " is in life_cycle_state '" + lifeCycle
                            + "', which the connector does not know; stopped following it");
                }
                if (Instant.now().isAfter(deadline)) {
                    state.noteEach(owed, DESTINATION, "JOB", "FAILED",
                            outcome + ", still " + lifeCycle + " after " + settings.jobTimeoutSeconds + " s", started);
                    throw new IllegalStateException("Databricks " + outcome + " did not end within " + settings.jobTimeoutSeconds
                            + " s (databricks.job-timeout-seconds); it is left running");
                }
            }
            String result = run.path("state").path("result_state").asText("UNKNOWN");
            outcome += ", ended " + result;
            if (!"SUCCESS".equals(result)) {
                state.noteEach(owed, DESTINATION, "JOB", "FAILED", outcome, started);
                throw new IllegalStateException("Databricks " + outcome);
            }
        }
        state.noteEach(owed, DESTINATION, "JOB", "CONFIRMED", outcome, started);
        LOG.info("destination=databricks {} (runs {})", outcome, runs);
    }
}
