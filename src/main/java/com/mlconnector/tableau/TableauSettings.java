package com.mlconnector.tableau;

import com.mlconnector.config.ConfigException;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static com.mlconnector.config.Props.bool;
import static com.mlconnector.config.Props.integer;
import static com.mlconnector.config.Props.or;
import static com.mlconnector.config.Props.trim;

/**
 * The Tableau destination's settings ({@code tableau.*}). Tableau reads the landing database through its published
 * data sources; the connector refreshes each data source's extract after the tables it reads have landed.
 */
public final class TableauSettings {
    public final boolean enabled;
    /** https://tableau.example.com (no /api/...). */
    public final String serverUrl;
    public final String apiVersion;
    /** The site's content URL ("" for the default site). */
    public final String site;
    public final String patName;
    public final String patSecret;
    /** Data source LUID → the landed tables it reads (null: every mapped table). */
    public final Map<String, List<String>> datasources;
    public final Duration refreshTimeout;
    /** Refreshes that end failed are started again this many times in all. */
    public final int refreshAttempts;
    /** How often the data sources that business-event reads left owing a refresh are refreshed. */
    public final int refreshIntervalSeconds;
    public final Duration firstPoll;
    public final Duration maxPoll;
    /** The secret in the webhook URL; null: every webhook call is refused. */
    public final String webhookSecret;

    public TableauSettings(Function<String, String> p, boolean sandbox) {
        String url = trim(p.apply("tableau.server-url"));
        String en = trim(p.apply("tableau.enabled"));
        this.enabled = en == null ? (sandbox || url != null) : bool(p, "tableau.enabled", false);
        this.serverUrl = url == null ? null : url.replaceAll("/+$", "");
        this.apiVersion = or(p, "tableau.api-version", "3.29");
        if (!apiVersion.matches("3\\.\\d{1,2}")) {
            throw new ConfigException("tableau.api-version must be a REST API version such as 3.29, got '" + apiVersion + "'");
        }
        String s = p.apply("tableau.site");
        this.site = s == null ? "" : s.trim();
        this.patName = trim(p.apply("tableau.pat-name"));
        this.patSecret = trim(p.apply("tableau.pat-secret"));
        this.datasources = new LinkedHashMap<>();
        String ids = trim(p.apply("tableau.datasource-id"));
        if (ids != null) {
            for (String id : ids.split(",")) {
                String luid = id.trim();
                if (luid.isEmpty()) {
                    continue;
                }
                String tables = trim(p.apply("tableau.datasource." + luid + ".tables"));
                datasources.put(luid, tables == null ? null
                        : Arrays.stream(tables.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList());
            }
        }
        this.refreshTimeout = Duration.ofSeconds(integer(p, "tableau.refresh-timeout-seconds", 3600, 1, 86_400));
        this.refreshAttempts = integer(p, "tableau.refresh-attempts", 3, 1, 20);
        this.refreshIntervalSeconds = integer(p, "tableau.refresh-interval-seconds", 300, 1, 86_400);
        this.firstPoll = seconds(p, "tableau.poll-initial-seconds", 5, 0.01, 600);
        this.maxPoll = seconds(p, "tableau.poll-max-seconds", 60, 0.01, 3600);
        this.webhookSecret = trim(p.apply("tableau.webhook-secret"));
        if (webhookSecret != null && webhookSecret.length() < 16) {
            throw new ConfigException("tableau.webhook-secret must be at least 16 characters (it is the webhook's only "
                    + "authentication); generate one with `openssl rand -hex 24`");
        }
        if (enabled && !sandbox) {
            for (String[] required : new String[][]{{"tableau.server-url", serverUrl}, {"tableau.pat-name", patName},
                {"tableau.pat-secret", patSecret}}) {
                if (required[1] == null) {
                    throw new ConfigException(required[0] + " is required when the Tableau destination is enabled");
                }
            }
            if (!serverUrl.startsWith("https://")) {
                throw new ConfigException("tableau.server-url must be an https URL such as https://tableau.example.com, got " + serverUrl);
            }
            if (datasources.isEmpty()) {
                throw new ConfigException("tableau.datasource-id is required when the Tableau destination is enabled: "
                        + "the LUID of each published data source to refresh after the landing");
            }
        }
    }

    /** The data sources that read this landed table. */
    public List<String> datasourcesReading(String table) {
        if (!enabled) {
            return List.of();
        }
        return datasources.entrySet().stream().filter(e -> e.getValue() == null || e.getValue().contains(table))
                .map(Map.Entry::getKey).toList();
    }

    /** https://server/api/3.29/ */
    public String apiBase() {
        return serverUrl + "/api/" + apiVersion + "/";
    }

    private static Duration seconds(Function<String, String> p, String key, double fallback, double min, double max) {
        String v = trim(p.apply(key));
        double d;
        try {
            d = v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a number of seconds, got '" + v + "'");
        }
        if (d < min || d > max) {
            throw new ConfigException(key + " must be between " + min + " and " + max + " seconds, got " + v);
        }
        return Duration.ofMillis((long) (d * 1000));
    }
}
