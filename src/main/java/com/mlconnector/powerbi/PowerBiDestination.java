package com.mlconnector.powerbi;

import com.fasterxml.jackson.databind.JsonNode;
import com.mlconnector.http.PacingClock;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.powerbi.model.ImportModel;
import com.mlconnector.powerbi.push.PushTables;
import com.mlconnector.state.DeliveryState;
import com.mlconnector.state.FollowUpsOwed;
import com.mlconnector.sync.DestinationRun;
import com.mlconnector.sync.EntitySync;
import com.mlconnector.sync.FollowUps;
import com.mlconnector.sync.RunLedger;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The Power BI destination (route bean {@code powerbi}), in one of two modes (powerbi.model):
 * <ul>
 * <li><b>import</b> ({@link ImportModel}): Power BI reads the landing database through a semantic model the connector
 * provisions; a run that landed rows owes the model a refresh of its table, asked once for the runs that owe it;</li>
 * <li><b>push</b> ({@link PushTables}): rows are posted to a push dataset, paced to its limits; a model someone else made
 * over the landing database may be refreshed after the runs (powerbi.refresh-dataset-id).</li>
 * </ul>
 */
public final class PowerBiDestination implements com.mlconnector.destination.Destination, com.mlconnector.destination.AfterRuns {
    public static final String DESTINATION = "powerbi";
    private static final Logger LOG = LoggerFactory.getLogger(PowerBiDestination.class);

    private final PowerBiSettings settings;
    private final PowerBiSettings.Model mode;
    private final PowerBiClient client;
    private final PushTables push;
    private final ImportModel model;
    private final PacingClock clock;
    private final DeliveryState state;
    private final FollowUps followUps;

    /**
     * @param mode  the mode resolved for this installation
     * @param push  the push dataset (push mode)
     * @param model the import model (import mode)
     */
    public PowerBiDestination(PowerBiSettings settings, PowerBiSettings.Model mode, PowerBiClient client, PushTables push,
                              ImportModel model, PacingClock clock, DeliveryState state, FollowUps followUps) {
        this.settings = settings;
        this.mode = mode;
        this.client = client;
        this.push = push;
        this.model = model;
        this.clock = clock;
        this.state = state;
        this.followUps = followUps;
        if (settings.enabled && (mode == PowerBiSettings.Model.IMPORT || settings.refreshDatasetId != null)) {
            followUps.register(this); // the model's refresh: once after the runs that landed rows
        }
    }

    public PowerBiClient client() {
        return client;
    }

    /** The mode this installation delivers in. */
    public PowerBiSettings.Model mode() {
        return mode;
    }

    /** The import model (null in push mode). */
    public ImportModel importModel() {
        return model;
    }

    @Override
    public String name() {
        return DESTINATION;
    }

    @Override
    public boolean enabled() {
        return settings.enabled;
    }

    /** Power BI takes the tables named in powerbi.tables. */
    @Override
    public boolean takes(EntityMapping mapping) {
        return settings.enabled && settings.takes(mapping.table());
    }

    /** Push mode posts batches; an import model reads the landing tables and takes none. */
    @Override
    public boolean batches() {
        return mode == PowerBiSettings.Model.PUSH;
    }

    /** Its step at the end of a run: {@code direct:finish-powerbi}. */
    @Override
    public boolean finishes() {
        return true;
    }

    /** Finds the push dataset or creates it (push mode). */
    public String dataset() throws Exception {
        return push.dataset();
    }

    /** One batch into the push dataset (push mode; routes/powerbi.yaml, deliver-powerbi). */
    public void write(Exchange exchange) throws Exception {
        push.write(exchange);
    }

    /**
     * At the end of a run: in push mode the replace the run called for (or a crash left behind); then, when rows
     * landed, the model's refresh is owed (asked once for the runs that owe it, sync.FollowUps).
     */
    public void finish(Exchange exchange) throws Exception {
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        boolean defer = exchange.getMessage().getHeader(FollowUps.DEFER, false, Boolean.class);
        String table = sync.getMapping().table();
        if (mode == PowerBiSettings.Model.IMPORT) {
            DestinationRun landing = sync.destination(RunLedger.DESTINATION);
            boolean provisioned = model.ensure(sync.getRunId(), this);
            if (provisioned || sync.getRowsWritten() > 0 || landing.deleted() > 0) {
                followUps.owe(this, table, sync.getRunId(), defer);
            } else {
                followUps.askOwed(this, defer); // a refresh that failed before is asked again by the next run of any table
            }
            return;
        }
        push.finish(sync);
        if (settings.refreshDatasetId != null && sync.destination(DESTINATION).deliveredRows() > 0) {
            followUps.owe(this, table, sync.getRunId(), defer);
        }
    }

    @Override
    public int coalesceSeconds() {
        return settings.refreshCoalesceSeconds;
    }

    /** One refresh for every table whose runs owe it, recorded under each run. */
    @Override
    public void followUp(List<FollowUpsOwed.Owed> owed) throws Exception {
        if (mode == PowerBiSettings.Model.IMPORT) {
            model.refresh(owed, this);
        } else if (settings.refreshDatasetId != null) {
            refreshOtherModel(owed);
        }
    }

    /** A dead-lettered push batch again (push mode; replay-powerbi): the table is rebuilt from the landing database. */
    public void replay(Exchange exchange) throws Exception {
        push.replay(exchange);
    }

    public void repairTable(String table, String runId) throws Exception {
        push.repairTable(table, runId);
    }

    /** Push mode's refresh of powerbi.refresh-dataset-id, a model someone made over the landing database. */
    private void refreshOtherModel(List<FollowUpsOwed.Owed> owed) throws Exception {
        Instant started = Instant.now();
        client.startRefresh(settings.refreshDatasetId);
        Instant deadline = clock.now().plusSeconds(settings.refreshTimeoutSeconds);
        Duration wait = Duration.ofSeconds(2);
        String tables = owed.stream().map(FollowUpsOwed.Owed::table).collect(Collectors.joining(", "));
        while (true) {
            JsonNode r = client.latestRefresh(settings.refreshDatasetId);
            String status = r.path("status").asText("Unknown");
            if (!status.equals("Unknown") && !status.equals("NotStarted")) {
                boolean ok = status.equals("Completed");
                state.noteEach(owed, DESTINATION, "REFRESH", ok ? "CONFIRMED" : "FAILED", "model " + settings.refreshDatasetId
                        + " refresh for " + tables + " " + status
                        + (r.hasNonNull("serviceExceptionJson") ? ": " + r.path("serviceExceptionJson").asText() : ""), started);
                if (!ok) {
                    throw new IllegalStateException("Power BI refresh of model " + settings.refreshDatasetId + " ended " + status);
                }
                LOG.info("Power BI model {} refreshed once for {}", settings.refreshDatasetId, tables);
                return;
            }
            if (clock.now().isAfter(deadline)) {
                state.noteEach(owed, DESTINATION, "REFRESH", "FAILED", "timed out after " + settings.refreshTimeoutSeconds + " s",
                        started);
                throw new IllegalStateException("Power BI refresh of model " + settings.refreshDatasetId + " did not finish within "
                        + settings.refreshTimeoutSeconds + " s (powerbi.refresh-timeout-seconds)");
            }
            clock.sleep(wait);
            wait = wait.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : wait.multipliedBy(2);
        }
    }
}
