package com.mlconnector.tableau;

import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.state.DeliveryState;
import com.mlconnector.state.FollowUpsOwed;
import com.mlconnector.sync.FollowUps;
import com.mlconnector.sync.Batch;
import com.mlconnector.sync.DestinationRun;
import com.mlconnector.sync.EntitySync;
import com.mlconnector.sync.RetryPolicy;
import com.mlconnector.sync.RunLedger;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Tableau destination (route bean {@code tableau}). Tableau reads the landing database through published data
 * sources, so nothing is sent row by row: after a run has landed rows, each data source that reads the table owes
 * an extract refresh, and this asks for it ({@code POST …/datasources/{id}/refresh}), follows the job until Tableau
 * says it completed, and records the outcome in the audit trail.
 * <ul>
 * <li>finishCode 0 pays what the data source owed; 1 (failed) is asked again with backoff, up to
 * tableau.refresh-attempts; 2 (cancelled: someone stopped it) and a job past tableau.refresh-timeout-seconds are not.
 * Whatever is still owed ends the run PARTIAL and is asked for again by the next run, even if nothing new lands.</li>
 * <li>One refresh of a data source at a time; a run that waited for another's refresh skips its own when that one was
 * asked for after its rows landed.</li>
 * <li>A DatasourceRefreshFailed webhook for a refresh being followed ends it as failed at once; a succeeded one makes
 * the next poll come now (the job's own finishCode stays the judge of success).</li>
 * </ul>
 */
public final class TableauDestination implements com.mlconnector.destination.Destination, com.mlconnector.destination.AfterRuns {
    public static final String DESTINATION = "tableau";
    /** Header: only mark the refresh as owed; the caller refreshes once after several tables landed. */
    public static final String DEFER = "deferTableauRefresh";
    private static final Logger LOG = LoggerFactory.getLogger(TableauDestination.class);

    private final TableauSettings settings;
    private final TableauClient client;
    private final RefreshLedger ledger;
    private final DeliveryState audit;
    private final RetryPolicy retry;
    private final FollowUps followUps;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Map<String, RefreshWatch> following = new ConcurrentHashMap<>();
    private final Map<String, UnclaimedFailure> unclaimedFailures = new ConcurrentHashMap<>();
    /** Data sources whose refresh is being asked now (the POST sent, its job not followed yet). */
    private final java.util.Set<String> asking = ConcurrentHashMap.newKeySet();
    /** Failure webhooks still to come for jobs whose failure the polls saw first (they must not fail the next job). */
    private final Map<String, Integer> lateFailures = new ConcurrentHashMap<>();

    /** A failure event no followed refresh has claimed (yet). */
    private record UnclaimedFailure(Instant createdAt, String why) {
    }

    public TableauDestination(TableauSettings settings, TableauClient client, RefreshLedger ledger, DeliveryState audit,
                              RetryPolicy retry, FollowUps followUps) {
        this.settings = settings;
        this.client = client;
        this.ledger = ledger;
        this.audit = audit;
        this.retry = retry;
        this.followUps = followUps;
        if (settings.enabled) {
            followUps.register(this); // the extract refreshes: once per data source after the runs that landed rows
        }
    }

    public TableauSettings settings() {
        return settings;
    }

    public TableauClient client() {
        return client;
    }

    @Override
    public String name() {
        return DESTINATION;
    }

    @Override
    public boolean enabled() {
        return settings.enabled;
    }

    /** A run of a table a Tableau data source reads is followed by that data source's extract refresh. */
    @Override
    public boolean takes(EntityMapping mapping) {
        return settings.enabled && !settings.datasourcesReading(mapping.table()).isEmpty();
    }

    /** Its data sources read the landing tables: it takes no batches of its own. */
    @Override
    public boolean batches() {
        return false;
    }

    /** Its step at the end of a run: {@code direct:finish-tableau}. */
    @Override
    public boolean finishes() {
        return true;
    }

    /**
     * At the end of a run: when rows landed (or a refresh is still owed from before), each data source that reads the
     * table owes a refresh, asked once for the runs that owe it (sync.FollowUps): at the end of this run, of a
     * sync --once, or of the service's window (tableau.refresh-interval-seconds). A refresh asked at the end of this run
     * that does not succeed makes the run PARTIAL; it does not undo the landing.
     */
    public void finish(Exchange exchange) throws Exception {
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        String table = sync.getMapping().table();
        DestinationRun landing = sync.destination(RunLedger.DESTINATION);
        boolean landed = sync.getRowsWritten() > 0 || landing.deleted() > 0;
        boolean defer = exchange.getMessage().getHeader(DEFER, false, Boolean.class)
                || exchange.getMessage().getHeader(FollowUps.DEFER, false, Boolean.class);
        boolean owes = false;
        for (String ds : settings.datasourcesReading(table)) {
            if (landed) {
                ledger.owe(ds, table, Instant.now());
            }
            owes |= landed || ledger.owed(ds);
        }
        if (!owes) {
            return;
        }
        try {
            followUps.owe(this, table, sync.getRunId(), defer);
        } catch (TableauException e) {
            sync.followUpFailed(e.getMessage());
        }
    }

    /** The service's window: the data sources are refreshed once the oldest run owing a refresh is this old. */
    @Override
    public int coalesceSeconds() {
        return settings.refreshIntervalSeconds;
    }

    /**
     * One refresh of each data source that reads a table these runs landed, recorded under the first run that owed it.
     * Returns normally only when every one succeeded; otherwise the tables stay owed and are asked again.
     */
    @Override
    public void followUp(List<FollowUpsOwed.Owed> owed) throws Exception {
        Map<String, FollowUpsOwed.Owed> first = new java.util.LinkedHashMap<>();
        for (FollowUpsOwed.Owed o : owed) {
            for (String ds : settings.datasourcesReading(o.table())) {
                first.putIfAbsent(ds, o);
            }
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, FollowUpsOwed.Owed> e : first.entrySet()) {
            try {
                refreshIfOwed(e.getKey(), e.getValue().runId(), e.getValue().table());
            } catch (TableauException ex) {
                problems.add(ex.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new TableauException(String.join("; ", problems));
        }
    }

    /** The replay of a landing dead letter changed the table: the data sources that read it owe a refresh. */
    public void landed(Exchange exchange) throws Exception {
        Batch b = exchange.getMessage().getBody(Batch.class);
        for (String ds : settings.datasourcesReading(b.mapping().table())) {
            ledger.owe(ds, b.mapping().table(), Instant.now());
        }
    }

    /**
     * The timer route's step: refreshes what business-event reads left owed (they do not wait for a refresh each, or
     * a steady stream of events would queue behind slow extracts). Problems are logged; the debt stays for next time.
     */
    public void refreshOwedNow() throws Exception {
        if (!settings.enabled || ledger.allOwed().isEmpty()) {
            return;
        }
        for (String problem : refreshOwed("owed-" + java.util.UUID.randomUUID())) {
            LOG.warn("Tableau: {}", problem);
        }
    }

    /** Refreshes every data source that owes one (after a replay); returns what could not be refreshed. */
    public List<String> refreshOwed(String runId) throws Exception {
        List<String> problems = new ArrayList<>();
        for (String ds : ledger.allOwed()) {
            if (!settings.datasources.containsKey(ds)) {
                continue; // no longer configured
            }
            try {
                refreshIfOwed(ds, runId, "-");
            } catch (TableauException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    /**
     * Refreshes the data source if it still owes a refresh once it is this thread's turn.
     *
     * @throws TableauException when it did not succeed (the data source stays owed)
     */
    public void refreshIfOwed(String ds, String runId, String table) throws Exception {
        synchronized (locks.computeIfAbsent(ds, k -> new Object())) {
            if (!ledger.owed(ds)) {
                LOG.info("run={} Tableau data source {} already refreshed after these rows landed", runId, ds);
                return;
            }
            String failure = null;
            for (int attempt = 1; attempt <= settings.refreshAttempts; attempt++) {
                if (attempt > 1) {
                    retry.pause(retry.backoff(attempt - 2, "refresh failed"));
                }
                // what landed before this moment is in the extract once this refresh succeeds
                Instant requested = Instant.now();
                TableauClient.Job job;
                Outcome o;
                try {
                    asking.add(ds);
                    unclaimedFailures.remove(ds);
                    try {
                        job = withRetries(() -> start(ds), "refresh of data source " + ds);
                    } catch (Exception e) {
                        asking.remove(ds);
                        throw e;
                    }
                    o = follow(ds, job);
                } catch (TableauException e) {
                    audit.note(runId, table, DESTINATION, "REFRESH", 0, "FAILED", "data source " + ds + ": " + e.getMessage(), requested);
                    throw new TableauException(e.getMessage() + "; the refresh is asked for again by the next run");
                }
                String answer = "data source " + ds + ", job " + job.id() + ", attempt " + attempt + " of "
                        + settings.refreshAttempts + ": " + o.describe();
                audit.note(runId, table, DESTINATION, "REFRESH", 0, o.success() ? "CONFIRMED" : "FAILED", answer, requested);
                if (o.success()) {
                    ledger.paid(ds, requested);
                    LOG.info("run={} Tableau extract of data source {} refreshed (job {}, {})", runId, ds, job.id(),
                            RunLedger.formatDuration(Duration.between(requested, Instant.now())));
                    return;
                }
                failure = "Tableau refresh of data source " + ds + " " + o.describe();
                LOG.warn("run={} {} (attempt {} of {})", runId, failure, attempt, settings.refreshAttempts);
                if (!o.worthRetrying()) {
                    break;
                }
            }
            throw new TableauException(failure + "; it is asked for again by the next run");
        }
    }

    /**
     * A DatasourceRefreshFailed event (from the webhook): ends the refresh being followed for it. A fast failure can
     * arrive before the refresh just asked for is followed; it is kept, and claimed when that refresh's job is as old.
     */
    public synchronized boolean failedByWebhook(String ds, Instant createdAt, String name) {
        String why = "DatasourceRefreshFailed webhook for " + (name == null || name.isBlank() ? ds : "'" + name + "'");
        Integer late = lateFailures.get(ds);
        if (late != null) {
            // the event of a job whose failure a poll saw first: it must not fail the job followed now, whose time
            // (Tableau's times have whole seconds) cannot tell them apart
            if (late <= 1) {
                lateFailures.remove(ds);
            } else {
                lateFailures.put(ds, late - 1);
            }
            return false;
        }
        RefreshWatch w = following.get(ds);
        if (w == null) {
            // kept only while a refresh is being asked: a failure that arrives after its job was followed to its end is
            // that job's, and must not fail the next one (Tableau's times have whole seconds: they cannot tell them apart)
            if (createdAt != null && asking.contains(ds)) {
                unclaimedFailures.put(ds, new UnclaimedFailure(createdAt, why));
            }
            return false;
        }
        if (createdAt != null && w.job.createdAt() != null && createdAt.isBefore(w.job.createdAt())) {
            return false; // a refresh from before the one being followed
        }
        w.fail(why);
        return true;
    }

    /** The poll saw the job fail before its webhook came: that webhook, when it comes, is the ended job's. */
    private synchronized void expectLateFailureEvent(String ds) {
        lateFailures.merge(ds, 1, (a, b) -> Math.min(a + b, settings.refreshAttempts));
    }

    /** Starts following a job; a failure event that came before (for this job or a later time) ends it at once. */
    private synchronized RefreshWatch startFollowing(String ds, TableauClient.Job job) {
        RefreshWatch watch = new RefreshWatch(job);
        following.put(ds, watch);
        asking.remove(ds);
        UnclaimedFailure early = unclaimedFailures.remove(ds);
        if (early != null && job.createdAt() != null && !early.createdAt().isBefore(job.createdAt())) {
            watch.fail(early.why());
        }
        return watch;
    }

    /** A DatasourceRefreshSucceeded event: poll the job now rather than at the next interval. */
    public boolean succeededByWebhook(String ds) {
        RefreshWatch w = following.get(ds);
        if (w != null) {
            w.nudge();
        }
        return w != null;
    }

    private TableauClient.Job start(String ds) throws Exception {
        try {
            return client.startRefresh(ds);
        } catch (HttpOperationFailedException e) {
            if (e.getStatusCode() == 404) {
                throw new TableauException("Tableau has no data source " + ds + " on site '" + settings.site
                        + "' (HTTP 404): check tableau.datasource-id");
            }
            if (e.getStatusCode() == 403) {
                throw new TableauException("Tableau refused the refresh of data source " + ds + " (HTTP 403 "
                        + TableauSession.errorCode(e.getResponseBody()) + "): the token's user needs the data source's "
                        + "Refresh Extracts capability (or to own it)");
            }
            throw e;
        }
    }

    /** Polls the job with backoff until Tableau says it completed, the webhook says it failed, or the timeout passes. */
    private Outcome follow(String ds, TableauClient.Job job) throws Exception {
        RefreshWatch watch = startFollowing(ds, job);
        try {
            Instant deadline = Instant.now().plus(settings.refreshTimeout);
            Duration wait = settings.firstPoll;
            while (true) {
                String failedBy = watch.await(min(wait, Duration.between(Instant.now(), deadline)));
                TableauClient.Job now = withRetries(() -> client.job(job.id()), "job " + job.id());
                if (now.done()) {
                    int code = now.finishCode() == null ? 1 : now.finishCode();
                    String notes = now.notes().isEmpty() ? "" : " (" + now.notes() + ")";
                    return switch (code) {
                        case 0 -> new Outcome(0, "succeeded", false);
                        case 2 -> new Outcome(2, "was cancelled in Tableau" + notes, false);
                        default -> {
                            if (failedBy == null) {
                                expectLateFailureEvent(ds);
                            }
                            yield new Outcome(code, "failed (finishCode " + code + ")" + notes
                                    + (failedBy == null ? "" : ", told by the " + failedBy), true);
                        }
                    };
                }
                if (failedBy != null) {
                    // the job does not show it yet; the event is enough (one look at the job above, for its notes)
                    return new Outcome(1, "failed (told by the " + failedBy + ")", true);
                }
                if (!Instant.now().isBefore(deadline)) {
                    return new Outcome(-1, "did not finish within " + settings.refreshTimeout.toSeconds()
                            + " s (tableau.refresh-timeout-seconds; job " + job.id() + " at " + now.progress() + "%)", false);
                }
                wait = min(wait.multipliedBy(2), settings.maxPoll);
            }
        } finally {
            following.remove(ds, watch);
        }
    }

    /** One call, tried again on 429 (Retry-After), 5xx and dropped connections, by the shared retry policy. */
    private <T> T withRetries(java.util.concurrent.Callable<T> call, String what) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (HttpOperationFailedException e) {
                if (e.getStatusCode() == 409 && attempt < retry.maxAttempts() * 4) {
                    // a refresh of it is running already (scheduled in Tableau, or by someone else): it may not include
                    // the rows that just landed, so ask again once it is over
                    LOG.info("Tableau answered 409 to the {} (a refresh is running already): asking again after it", what);
                    retry.pause(retry.backoff(Math.min(attempt - 1, 6), "409"));
                    continue;
                }
                pauseOrThrow(e, attempt, what);
            } catch (TableauException | java.io.IOException | java.io.UncheckedIOException e) {
                if (e instanceof TableauException && e.getCause() == null) {
                    throw e; // refused for good
                }
                pauseOrThrow(e, attempt, what);
            }
        }
    }

    private void pauseOrThrow(Exception e, int attempt, String what) throws Exception {
        RetryPolicy.Decision d = retry.decide(e, attempt - 1);
        if (!d.retry() || attempt >= retry.maxAttempts()) {
            throw new TableauException("Tableau " + what + ": " + describe(e), e);
        }
        LOG.warn("Tableau {}: attempt {} failed ({}); trying again in {} ms", what, attempt, d.reason(), d.delay().toMillis());
        retry.pause(d);
    }

    private static String describe(Exception e) {
        if (e instanceof HttpOperationFailedException h) {
            return "HTTP " + h.getStatusCode() + " " + TableauSession.errorCode(h.getResponseBody());
        }
        return e.getMessage();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** How one refresh ended. */
    private record Outcome(int finishCode, String text, boolean worthRetrying) {
        boolean success() {
            return finishCode == 0;
        }

        String describe() {
            return text;
        }
    }

    /** A refresh being followed; the webhook can end it (failed) or make the next poll come now. */
    private static final class RefreshWatch {
        final TableauClient.Job job;
        private String failedBy;
        private boolean nudged;

        RefreshWatch(TableauClient.Job job) {
            this.job = job;
        }

        synchronized void fail(String why) {
            failedBy = why;
            notifyAll();
        }

        synchronized void nudge() {
            nudged = true;
            notifyAll();
        }

        /** Waits up to {@code d} (less when nudged); returns why it failed when the webhook said so. */
        synchronized String await(Duration d) throws InterruptedException {
            long until = System.nanoTime() + Math.max(0, d.toNanos());
            while (failedBy == null && !nudged) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            nudged = false;
            return failedBy;
        }
    }
}
