package com.mlconnector.sync;

import com.mlconnector.mapping.ChangePolicy;
import com.mlconnector.state.DeadLetters;
import com.mlconnector.state.DeliveryState;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Instant;

/**
 * Records what a destination did with a batch: confirmed (keys and hashes remembered, audit row, growing-key
 * watermark moved on) or, after its last attempt, dead (kept whole for replay; the run goes on with the next batch).
 */
public final class DeliveryRecorder implements DeliveryQueues.Handled {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryRecorder.class);
    /** When the batch was first handed to the destination (for the audit's timings). */
    public static final String STARTED = "batchStarted";
    /** Header on a replayed batch: the dead letter's batch id. */
    public static final String REPLAY_OF = "replayOf";
    /** Header a replay route may set: what the replay did, in words (else "N rows of T re-delivered"). */
    public static final String REPLAY_ANSWER = "replayAnswer";
    /** Header set by a destination that had to cut strings (Power BI's 4,000 characters): how many. */
    public static final String TRUNCATED = "truncatedStrings";

    private final DeliveryState state;
    private final DeadLetters deadLetters;

    public DeliveryRecorder(DeliveryState state, DeadLetters deadLetters) {
        this.state = state;
        this.deadLetters = deadLetters;
    }

    public void confirmed(Exchange exchange) throws SQLException {
        Batch b = exchange.getMessage().getBody(Batch.class);
        String destination = exchange.getMessage().getHeader(ChangeDetection.DESTINATION, String.class);
        Long[] scopes = new Long[b.size()];
        Long max = null;
        for (int i = 0; i < b.size(); i++) {
            scopes[i] = b.kind() == Batch.Kind.UPSERT ? RowKeys.scopeValue(b.mapping(), b.rows().get(i)) : null;
            if (scopes[i] != null && (max == null || scopes[i] > max)) {
                max = scopes[i];
            }
        }
        String replayOf = exchange.getMessage().getHeader(REPLAY_OF, String.class);
        Integer truncated = exchange.getMessage().getHeader(TRUNCATED, Integer.class);
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        String answer = (replayOf == null ? "ok" : "replay of " + replayOf)
                + (truncated == null || truncated == 0 ? "" : "; " + truncated + " strings cut to 4,000 characters")
                + (sync == null || sync.targeted() == null ? "" : "; " + events(sync.targeted().eventsOf(b.mapping(), b.rows())));
        state.confirmed(b, destination, scopes, attempts(exchange), answer, started(exchange));
        java.time.Duration took = java.time.Duration.between(started(exchange), Instant.now());
        com.mlconnector.ops.ConnectorMetrics.delivered(b.mapping().table(), destination, b.size(), took);
        // the one structured line per batch and destination (key=value, for log search)
        LOG.info("batch confirmed run={} entity={} table={} destination={} batch={} kind={} rows={} duration_ms={} attempts={}",
                b.runId(), b.mapping().entitySet(), b.mapping().table(), destination, b.id(), b.kind(), b.size(), took.toMillis(),
                attempts(exchange));
        if (sync == null) {
            return; // a replay: no run to account for
        }
        DestinationRun d = sync.destination(destination);
        if (b.kind() == Batch.Kind.DELETE) {
            d.deleted += b.size();
        }
        if (sync.targeted() != null) {
            return; // a targeted read saw some records only: watermarks stay where the full reads put them
        }
        if (max != null && d.deadBatches == 0) {
            // unordered reads move their watermark to it at the end of a run confirmed whole (RunLedger.finished); a
            // growing key's moves as batches are handled (handled, below)
            d.confirmedMark = d.confirmedMark == null ? max : Math.max(d.confirmedMark, max);
        }
    }

    /**
     * A destination's queue handled a batch of the run (delivered, or held already as it is, or dead-lettered). A
     * growing key's watermark moves on at once, so a crash costs at most the batches in flight: to the highest key
     * below which every partition of the read is confirmed (each partition's batches arrive in key order), and never
     * after a dead letter of this run.
     */
    @Override
    public void handled(EntitySync sync, String destination, Batch original) throws SQLException {
        if (sync.targeted() != null || original.kind() != Batch.Kind.UPSERT || !sync.hasDestination(destination)
                || original.mapping().change().strategy() != ChangePolicy.Strategy.GROWING_KEY) {
            return;
        }
        DestinationRun d = sync.destination(destination);
        Long mark = sync.handled(destination, original);
        if (d.deadBatches > 0 || mark == null) {
            return;
        }
        synchronized (d) {
            Long at = d.markSet != null ? d.markSet : d.watermark;
            if (at == null || mark > at) {
                state.setWatermark(original.mapping().table(), destination, mark);
                d.markSet = mark;
            }
        }
    }

    /** Called by the batch-delivery error handler once a batch's retries are exhausted. */
    public void dead(Exchange exchange) throws SQLException {
        Batch b = exchange.getMessage().getBody(Batch.class);
        String destination = exchange.getMessage().getHeader(ChangeDetection.DESTINATION, String.class);
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String reason = cause == null ? "unknown" : RunLedger.describe(cause);
        deadLetters.store(b, destination, reason);
        int attempts = Math.max(1, exchange.getProperty(RetryPolicy.FAILED_ATTEMPTS, 1, Integer.class));
        state.dead(b, destination, attempts, reason, started(exchange));
        com.mlconnector.ops.ConnectorMetrics.deadLetter(b.mapping().table(), destination);
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        if (sync != null) {
            DestinationRun d = sync.destination(destination);
            d.deadBatches++;
            if (d.firstDeadReason == null) {
                d.firstDeadReason = reason;
            }
        }
        LOG.error("run={} entity={} destination={} batch={} rows={} DEAD-LETTERED after {} attempts: {} "
                        + "(kept whole; `replay` re-delivers it)", b.runId(), b.mapping().entitySet(), destination, b.id(),
                b.size(), attempts, reason);
    }

    /** "events: id, id, …" for the audit answer, kept within its 4,000 characters. */
    static String events(java.util.Set<String> ids) {
        StringBuilder sb = new StringBuilder("events: ");
        int n = 0;
        for (String id : ids) {
            if (sb.length() + id.length() > 3800) {
                sb.append(" (+").append(ids.size() - n).append(" more)");
                break;
            }
            sb.append(n++ == 0 ? "" : ", ").append(id);
        }
        return sb.toString();
    }

    private static int attempts(Exchange exchange) {
        return exchange.getProperty(RetryPolicy.FAILED_ATTEMPTS, 0, Integer.class) + 1;
    }

    private static Instant started(Exchange exchange) {
        Instant t = exchange.getProperty(STARTED, Instant.class);
        return t == null ? Instant.now() : t;
    }
}
