package com.mlconnector.powerbi.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mlconnector.http.PacingClock;
import com.mlconnector.landing.LandingDatabase;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.powerbi.PowerBiClient;
import com.mlconnector.powerbi.PowerBiSettings;
import com.mlconnector.state.DeliveryState;
import com.mlconnector.state.FollowUpsOwed;
import com.mlconnector.sync.FollowUps;
import com.mlconnector.sync.RetryPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Power BI's import mode: the landing database is the source of truth, and an import-mode semantic model the connector
 * provisions reads it.
 * <ol>
 * <li>The model is made (or brought in step with the mappings) once per process through the Fabric API
 * ({@link ModelProvisioner}); then the connector takes it over and sets the landing database's read credentials on its
 * data source (powerbi.source-username / -password). A model of that name it did not make is only refreshed.</li>
 * <li>A run that landed rows owes the model a refresh (sync.FollowUps): once per sync --once, once per
 * powerbi.refresh-coalesce-seconds in the service, naming only the tables that changed ({@link ModelRefresh}).</li>
 * <li>Each refresh is proved: one executeQueries of COUNTROWS per refreshed table against the landing table's count
 * taken when the refresh was asked. A mismatch, a failed refresh, a refresh that cannot be asked now: the tables stay
 * owed and are asked again; every outcome is in the audit trail (destination powerbi, kind REFRESH).</li>
 * </ol>
 */
public final class ImportModel {
    private static final Logger LOG = LoggerFactory.getLogger(ImportModel.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DESTINATION = "powerbi";

    private final PowerBiSettings settings;
    private final PowerBiClient client;
    private final ModelProvisioner provisioner;
    private final ModelRefresh refresh;
    private final LandingDatabase landing;
    private final DeliveryState audit;
    private final FollowUps followUps;
    private final List<String> tables;
    private final RetryPolicy retry;
    private volatile ModelProvisioner.Provisioned model;

    public ImportModel(PowerBiSettings settings, PowerBiClient client, FabricClient fabric, List<EntityMapping> tables,
                       LandingSource source, LandingDatabase landing, DeliveryState audit, FollowUps followUps, RetryPolicy retry,
                       PacingClock clock) {
        this.settings = settings;
        this.client = client;
        this.provisioner = new ModelProvisioner(fabric, settings.datasetName, tables, source);
        this.refresh = new ModelRefresh(settings, client, retry, clock);
        this.landing = landing;
        this.audit = audit;
        this.followUps = followUps;
        this.tables = tables.stream().map(EntityMapping::table).toList();
        this.retry = retry;
    }

    /**
     * The model, made or brought in step once per process. When this call made it or changed its tables, every table
     * owes it a refresh under {@code runId} (a new model holds no rows until refreshed), deferred to the next follow-up.
     *
     * @return true when the model was made or changed now
     */
    public synchronized boolean ensure(String runId, com.mlconnector.destination.AfterRuns owner) throws Exception {
        if (model != null) {
            return false;
        }
        refusePushDatasetOfTheName();
        ModelProvisioner.Provisioned p = provisioner.ensure();
        if (p.ours()) {
            setCredentials(p.id());
        }
        if ((p.created() || p.updated()) && runId != null) {
            for (String t : tables) {
                followUps.owe(owner, t, runId, true);
            }
        }
        model = p;
        return p.created() || p.updated();
    }

    private void refusePushDatasetOfTheName() throws Exception {
        for (JsonNode d : client.datasets()) {
            if (settings.datasetName.equals(d.path("name").asText()) && d.path("addRowsAPIEnabled").asBoolean(false)) {
                throw new IllegalStateException("Power BI: the workspace holds a push dataset named '" + settings.datasetName
                        + "' (powerbi.dataset-name), so an import model of that name cannot be made: set powerbi.model=push to "
                        + "keep delivering to it, or another powerbi.dataset-name for the import model");
            }
        }
    }

    /**
     * For check, reading only: the model as the workspace holds it (null when it will be provisioned by the first run);
     * refused, like {@link #ensure}, when a push dataset holds its name.
     */
    public ModelProvisioner.Found inspect() throws Exception {
        refusePushDatasetOfTheName();
        return provisioner.inspect();
    }

    /** The model's id and whether the connector made it (check, status); null before it was first used. */
    public ModelProvisioner.Provisioned model() {
        return model;
    }

    /** Whether the workspace refused enhanced refresh (whole-model refreshes within powerbi.refreshes-per-day). */
    public boolean sharedCapacity() {
        return refresh.sharedCapacity();
    }

    /**
     * The owner takes the model over (a cloud data source's credentials are set by the model's owner) and sets the
     * landing database's read account on each of its data sources: Basic, encrypted connection, Organizational.
     */
    private void setCredentials(String id) throws Exception {
        if (settings.sourceUsername == null) {
            LOG.info("Power BI: powerbi.source-username is not set, so the credentials of model '{}' are left as they are in Power BI",
                    settings.datasetName);
            return;
        }
        client.takeOver(id);
        String credentials = JSON.createObjectNode().set("credentialData", JSON.createArrayNode()
                .add(JSON.createObjectNode().put("name", "username").put("value", settings.sourceUsername))
                .add(JSON.createObjectNode().put("name", "password").put("value", settings.sourcePassword))).toString();
        ObjectNode body = JSON.createObjectNode();
        body.putObject("credentialDetails").put("credentialType", "Basic").put("credentials", credentials)
                .put("encryptedConnection", "Encrypted").put("encryptionAlgorithm", "None").put("privacyLevel", "Organizational");
        int n = 0;
        for (JsonNode ds : client.datasources(id)) {
            client.updateDatasource(ds.path("gatewayId").asText(), ds.path("datasourceId").asText(), body.toString());
            n++;
        }
        LOG.info("Power BI: model '{}' taken over; the landing database's read credentials (powerbi.source-username) set on its {} "
                + "data source{}", settings.datasetName, n, n == 1 ? "" : "s");
    }

    /**
     * One refresh of the tables these runs landed, proved by a count of each against the landing table; recorded under
     * each run. Returns normally only when it was refreshed and every count agreed.
     */
    public void refresh(List<FollowUpsOwed.Owed> owed, com.mlconnector.destination.AfterRuns owner) throws Exception {
        ensure(null, owner);
        ModelProvisioner.Provisioned m = model;
        List<String> asked = owed.stream().map(FollowUpsOwed.Owed::table).distinct().filter(tables::contains).toList();
        if (asked.isEmpty()) {
            return;
        }
        Map<String, Long> landed = new LinkedHashMap<>();
        for (String t : asked) {
            landed.put(t, landing.count(t)); // what the model must hold once this refresh has read it
        }
        Instant started = Instant.now();
        ModelRefresh.Ended end;
        try {
            end = refresh.refresh(m.id(), asked);
        } catch (Exception e) {
            audit.noteEach(owed, DESTINATION, "REFRESH", "FAILED", "model " + settings.datasetName + ": " + e.getMessage(), started);
            throw e;
        }
        String what = ModelRefresh.describe(end);
        if (!end.completed()) {
            boolean credentials = end.messages().stream().anyMatch(s -> s.toLowerCase(Locale.ROOT).contains("credential"));
            String cause = credentials ? "Power BI could not sign in to the landing database; set its read account in "
                    + "powerbi.source-username and powerbi.source-password: " : "";
            audit.noteEach(owed, DESTINATION, "REFRESH", "FAILED", cause + "model " + settings.datasetName + " " + what, started);
            throw new IllegalStateException("Power BI refresh of model '" + settings.datasetName + "' (" + String.join(", ", asked)
                    + ") ended " + end.status() + (credentials ? ": " + cause.substring(0, cause.length() - 2) : "") + " (" + what + ")");
        }
        // tables landed again while the refresh ran are owed again: their counts are checked by their next refresh
        Set<String> landedSince = followUps.owed(DESTINATION).stream().filter(o -> !owed.contains(o)).map(FollowUpsOwed.Owed::table)
                .collect(Collectors.toSet());
        Map<String, Long> inModel = counts(m.id(), asked);
        List<String> mismatches = new ArrayList<>();
        for (FollowUpsOwed.Owed o : owed) {
            if (!asked.contains(o.table())) {
                continue;
            }
            long want = landed.get(o.table());
            long got = inModel.get(o.table());
            String check = landedSince.contains(o.table()) ? "count not checked: rows landed while it refreshed"
                    : got == want ? "the model holds " + String.format("%,d", got) + " rows, as the landing table did"
                    : "the model holds " + String.format("%,d", got) + " rows, the landing table held " + String.format("%,d", want);
            boolean ok = got == want || landedSince.contains(o.table());
            if (!ok) {
                mismatches.add(o.table() + " (model " + String.format("%,d", got) + ", landing " + String.format("%,d", want) + ")");
            }
            audit.note(o.runId(), o.table(), DESTINATION, "REFRESH", (int) Math.min(Integer.MAX_VALUE, got), ok ? "CONFIRMED" : "FAILED",
                    "model " + settings.datasetName + " " + what + "; " + check, started);
        }
        if (!mismatches.isEmpty()) {
            throw new IllegalStateException("Power BI model '" + settings.datasetName + "' refreshed but does not hold what landed: "
                    + String.join(", ", mismatches) + "; the tables stay owed and are refreshed again");
        }
        LOG.info("Power BI model '{}' refreshed once for {} and checked ({})", settings.datasetName, String.join(", ", asked), what);
    }

    /** Each table's rows in the model: one executeQueries of COUNTROWS for all of them (BLANK, an empty table, is 0). */
    Map<String, Long> counts(String modelId, List<String> of) throws Exception {
        String dax = "EVALUATE ROW(" + of.stream().map(t -> "\"" + t.replace("\"", "\"\"") + "\", COUNTROWS('" + t.replace("'", "''") + "')")
                .collect(Collectors.joining(", ")) + ")";
        JsonNode row = retry.retrying(() -> client.executeQuery(modelId, dax)).path(0);
        Map<String, Long> out = new LinkedHashMap<>();
        for (String t : of) {
            JsonNode v = row.path("[" + t + "]");
            out.put(t, v.isNumber() ? v.asLong() : v.isTextual() ? Long.parseLong(v.asText()) : 0L);
        }
        return out;
    }
}
