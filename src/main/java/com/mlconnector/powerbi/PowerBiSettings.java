package com.mlconnector.powerbi;

import com.mlconnector.config.ConfigException;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The Power BI destination's settings ({@code powerbi.*}). Credentials default to the F&O app registration; a
 * separate one can be given. Limits default to Power BI's published push-dataset limits.
 */
public final class PowerBiSettings {
    public static final String SCOPE = "https://analysis.windows.net/powerbi/api/.default";

    public enum Mode { APPEND, REPLACE }

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
    public final int postsPerHourLargeTable;
    public final String refreshDatasetId;
    public final int refreshTimeoutSeconds;

    public PowerBiSettings(Function<String, String> p, boolean sandbox, String d365Tenant, String d365Client, String d365Secret) {
        String workspace = trim(p.apply("powerbi.workspace-id"));
        String enabledText = trim(p.apply("powerbi.enabled"));
        this.enabled = enabledText == null ? (sandbox || workspace != null) : bool("powerbi.enabled", enabledText);
        this.apiUrl = stripSlash(or(p, "powerbi.api-url", "https://api.powerbi.com/v1.0/myorg"));
        this.workspaceId = workspace;
        if (enabled && !sandbox && workspace == null) {
            throw new ConfigException("powerbi.workspace-id is required when powerbi.enabled=true (a service principal cannot use My workspace)");
        }
        if (enabled && !apiUrl.startsWith("https://")) {
            throw new ConfigException("powerbi.api-url must be an https URL, got " + apiUrl);
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
        this.rowsPerPost = number(p, "powerbi.rows-per-post", 10_000, 1, 10_000);
        this.postsPerMinute = number(p, "powerbi.posts-per-minute", 120, 1, 120);
        this.rowsPerHour = number(p, "powerbi.rows-per-hour", 1_000_000, 1, 1_000_000);
        this.largeTableRows = number(p, "powerbi.large-table-rows", 250_000, 1, 5_000_000);
        this.postsPerHourLargeTable = number(p, "powerbi.posts-per-hour-large-table", 120, 1, 120);
        this.refreshDatasetId = trim(p.apply("powerbi.refresh-dataset-id"));
        this.refreshTimeoutSeconds = number(p, "powerbi.refresh-timeout-seconds", 1800, 1, 86_400);
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

    private static boolean bool(String key, String v) {
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new ConfigException(key + " must be true or false, got '" + v + "'");
    }

    private static int number(Function<String, String> p, String key, int fallback, int min, int max) {
        String v = trim(p.apply(key));
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new ConfigException(key + " must be between " + min + " and " + max + " (Power BI's limit), got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a whole number, got '" + v + "'");
        }
    }

    private static String or(Function<String, String> p, String key, String fallback) {
        String v = trim(p.apply(key));
        return v == null ? fallback : v;
    }

    private static String trim(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static String stripSlash(String v) {
        return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
    }
}
