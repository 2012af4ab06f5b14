package com.mlconnector.powerbi;

import com.mlconnector.config.ConfigException;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import static com.mlconnector.config.Props.bool;
import static com.mlconnector.config.Props.integer;
import static com.mlconnector.config.Props.or;
import static com.mlconnector.config.Props.stripSlash;
import static com.mlconnector.config.Props.trim;

/**
 * The Power BI destination's settings ({@code powerbi.*}). Credentials default to the F&O app registration; a
 * separate one can be given. Limits default to Power BI's published push-dataset limits.
 */
public final class PowerBiSettings {
    public static final String SCOPE = "https://analysis.windows.net/powerbi/api/.default";

    public enum Mode { APPEND, REPLACE }

    /** How Power BI gets the rows: an import model the connector provisions and refreshes, or a push dataset. */
    public enum Model { IMPORT, PUSH }

    /** Push semantic models can no longer be created after this day (Microsoft's real-time streaming page). */
    public static final java.time.LocalDate PUSH_RETIRED = java.time.LocalDate.of(2027, 10, 31);

    public final boolean enabled;
    public final String apiUrl;
    public final String workspaceId;
    public final String datasetName;
    public final String retention;
    public final List<String> tables;
    public final Map<String, Mode> modes = new HashMap<>();
    /** What an append table does when source rows changed or vanished: replace (exact) or append (keep history). */
    public final Mode onChange;
    public final String tenantId;
    public final String clientId;
    public final String clientSecret;
    public final int rowsPerPost;
    public final int postsPerMinute;
    public final long rowsPerHour;
    public final long largeTableRows;
    /** Rows a push table may hold without a retention policy (Power BI's 5,000,000; lower it, never raise it). */
    public final long maxTableRows;
    public final int postsPerHourLargeTable;
    public final String refreshDatasetId;
    public final int refreshTimeoutSeconds;
    /** The service refreshes the model once per window of this many seconds, after the runs that landed rows in it. */
    public final int refreshCoalesceSeconds;
    /** The Fabric REST API (semantic models as items, in TMDL): another host and token audience than apiUrl's. */
    public final String fabricApiUrl;
    /** powerbi.model as configured; null when not set (import for a new installation, push where push was used). */
    public final Model model;
    /** Where Power BI reaches the landing database, when not under landing.jdbc-url's names (a public name, a gateway's). */
    public final String sourceServer;
    public final String sourceDatabase;
    /** The landing database's read-only account for the model's data source; unset: credentials are set in Power BI. */
    public final String sourceUsername;
    public final String sourcePassword;
    /** A whole-model refresh on shared capacity (no enhanced refresh): at most this many in any 24 hours. */
    public final int refreshesPerDay;
    /** The enhanced refresh's retryCount: Power BI's own retries of a failed refresh before it ends Failed. */
    public final int refreshRetryCount;
    /** The scope of a Fabric API token. */
    public static final String FABRIC_SCOPE = "https://api.fabric.microsoft.com/.default";

    public PowerBiSettings(Function<String, String> p, boolean sandbox, String d365Tenant, String d365Client, String d365Secret) {
        String workspace = trim(p.apply("powerbi.workspace-id"));
        String enabledText = trim(p.apply("powerbi.enabled"));
        this.enabled = enabledText == null ? (sandbox || workspace != null) : bool(p, "powerbi.enabled", false);
        this.apiUrl = stripSlash(or(p, "powerbi.api-url", "https://api.powerbi.com/v1.0/myorg"));
        this.workspaceId = workspace;
        if (enabled && !sandbox && workspace == null) {
            throw new ConfigException("powerbi.workspace-id is required when powerbi.enabled=true (a service principal cannot use My workspace)");
        }
        if (enabled && !apiUrl.startsWith("https://")) {
            throw new ConfigException("powerbi.api-url must be an https URL, got " + apiUrl);
        }
        this.fabricApiUrl = stripSlash(or(p, "powerbi.fabric-api-url", "https://api.fabric.microsoft.com/v1"));
        if (enabled && !fabricApiUrl.startsWith("https://")) {
            throw new ConfigException("powerbi.fabric-api-url must be an https URL, got " + fabricApiUrl);
        }
        this.datasetName = or(p, "powerbi.dataset-name", "ml-connector");
        this.retention = or(p, "powerbi.retention-policy", "None");
        if (!retention.equals("None") && !retention.equals("basicFIFO")) {
            throw new ConfigException("powerbi.retention-policy must be None or basicFIFO, got " + retention);
        }
        this.tables = Arrays.stream(or(p, "powerbi.tables", "Invoices,PurchaseOrders,GLEntries,Vendors,GLAccounts").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (tables.size() > 75) {
            throw new ConfigException("powerbi.tables names " + tables.size() + " tables; a Power BI dataset holds at most 75");
        }
        for (String t : tables) {
            String m = trim(p.apply("powerbi.mode." + t));
            modes.put(t, m == null ? (t.equals("Vendors") || t.equals("GLAccounts") ? Mode.REPLACE : Mode.APPEND) : mode("powerbi.mode." + t, m));
        }
        this.onChange = mode("powerbi.on-change", or(p, "powerbi.on-change", "replace"));
        this.tenantId = or(p, "powerbi.tenant-id", d365Tenant);
        this.clientId = or(p, "powerbi.client-id", d365Client);
        this.clientSecret = or(p, "powerbi.client-secret", d365Secret);
        this.rowsPerPost = integer(p, "powerbi.rows-per-post", 10_000, 1, 10_000);
        this.postsPerMinute = integer(p, "powerbi.posts-per-minute", 120, 1, 120);
        this.rowsPerHour = integer(p, "powerbi.rows-per-hour", 1_000_000, 1, 1_000_000);
        this.largeTableRows = integer(p, "powerbi.large-table-rows", 250_000, 1, 5_000_000);
        this.maxTableRows = integer(p, "powerbi.max-table-rows", 5_000_000, 1, 5_000_000);
        this.postsPerHourLargeTable = integer(p, "powerbi.posts-per-hour-large-table", 120, 1, 120);
        this.refreshDatasetId = trim(p.apply("powerbi.refresh-dataset-id"));
        this.refreshTimeoutSeconds = integer(p, "powerbi.refresh-timeout-seconds", 1800, 1, 86_400);
        this.refreshCoalesceSeconds = integer(p, "powerbi.refresh-coalesce-seconds", 300, 0, 86_400);
        String modelText = trim(p.apply("powerbi.model"));
        if (modelText == null) {
            this.model = null;
        } else if (modelText.equalsIgnoreCase("import") || modelText.equalsIgnoreCase("push")) {
            this.model = Model.valueOf(modelText.toUpperCase(Locale.ROOT));
        } else {
            throw new ConfigException("powerbi.model must be import or push, got '" + modelText + "'");
        }
        this.sourceServer = trim(p.apply("powerbi.source-server"));
        this.sourceDatabase = trim(p.apply("powerbi.source-database"));
        this.sourceUsername = trim(p.apply("powerbi.source-username"));
        this.sourcePassword = p.apply("powerbi.source-password");
        if (sourceUsername != null && (sourcePassword == null || sourcePassword.isEmpty())) {
            throw new ConfigException("powerbi.source-password is required with powerbi.source-username (the landing database's "
                    + "read account for the model's data source; encrypt it like every secret)");
        }
        this.refreshesPerDay = integer(p, "powerbi.refreshes-per-day", 8, 1, 48);
        this.refreshRetryCount = integer(p, "powerbi.refresh-retry-count", 1, 0, 10);
    }

    public boolean takes(String table) {
        return enabled && tables.contains(table);
    }

    public Mode mode(String table) {
        return modes.getOrDefault(table, Mode.APPEND);
    }

    private static Mode mode(String key, String v) {
        try {
            return Mode.valueOf(v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + " must be append or replace, got '" + v + "'");
        }
    }





}
