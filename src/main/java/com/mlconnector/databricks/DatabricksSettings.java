package com.mlconnector.databricks;

import com.mlconnector.config.ConfigException;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static com.mlconnector.config.Props.bool;
import static com.mlconnector.config.Props.integer;
import static com.mlconnector.config.Props.or;
import static com.mlconnector.config.Props.trim;

/** The Databricks destination's settings ({@code databricks.*}). */
public final class DatabricksSettings {
    public final boolean enabled;
    public final String host;
    public final String clientId;
    public final String clientSecret;
    public final String warehouseId;
    public final String catalog;
    public final String schema;
    public final Long jobId;
    public final boolean followJob;
    /** How long a followed Job run may take before the sync stops waiting for it. */
    public final int jobTimeoutSeconds;
    /** The service starts the Job once per window of this many seconds, for every table that landed rows in it. */
    public final int coalesceSeconds;
    /** The Job is started with job_parameters tables and run_ids (false: without parameters). */
    public final boolean jobParameters;
    /** null: every mapped table. */
    public final List<String> tables;
    public final boolean softDelete;
    public final int rowsPerStatement;
    public final int statementTimeoutSeconds;
    /** How long a submit waits for the statement before polling: 0, or 5 to 50 seconds (the API's rule). */
    public final int waitTimeoutSeconds;
    /**
     * The Unity Catalog volume the bulk path stages files in, as a Files API path ({@code /Volumes/catalog/schema/volume});
     * null: no bulk path, every batch is merged by statements.
     */
    public final String volume;
    /** A run that reads at least this many rows (F&O's count) loads Databricks through the bulk path. */
    public final long bulkThresholdRows;

    public DatabricksSettings(Function<String, String> p, boolean sandbox) {
        String h = trim(p.apply("databricks.host"));
        String en = trim(p.apply("databricks.enabled"));
        this.enabled = en == null ? (sandbox || h != null) : bool(p, "databricks.enabled", false);
        this.host = h == null ? null : (h.endsWith("/") ? h.substring(0, h.length() - 1) : h);
        this.clientId = trim(p.apply("databricks.client-id"));
        this.clientSecret = trim(p.apply("databricks.client-secret"));
        this.warehouseId = trim(p.apply("databricks.warehouse-id"));
        this.catalog = or(p, "databricks.catalog", "main");
        this.schema = or(p, "databricks.schema", "finance");
        String job = trim(p.apply("databricks.job-id"));
        try {
            this.jobId = job == null ? null : Long.parseLong(job);
        } catch (NumberFormatException e) {
            throw new ConfigException("databricks.job-id must be a number, got '" + job + "'");
        }
        this.followJob = bool(p, "databricks.follow-job", false);
        this.jobTimeoutSeconds = integer(p, "databricks.job-timeout-seconds", 3600, 1, 7 * 86_400);
        this.coalesceSeconds = integer(p, "databricks.coalesce-seconds", 300, 0, 86_400);
        this.jobParameters = bool(p, "databricks.job-parameters", true);
        String t = trim(p.apply("databricks.tables"));
        this.tables = t == null ? null : Arrays.stream(t.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        String deletes = or(p, "databricks.deletes", "delete");
        if (!deletes.equals("delete") && !deletes.equals("soft")) {
            throw new ConfigException("databricks.deletes must be delete or soft, got '" + deletes + "'");
        }
        this.softDelete = deletes.equals("soft");
        this.rowsPerStatement = integer(p, "databricks.rows-per-statement", 500, 1, 10_000);
        this.statementTimeoutSeconds = integer(p, "databricks.statement-timeout-seconds", 600, 1, 86_400);
        if (enabled && !sandbox) {
            for (String[] required : new String[][]{{"databricks.host", host}, {"databricks.client-id", clientId},
                {"databricks.client-secret", clientSecret}, {"databricks.warehouse-id", warehouseId}}) {
                if (required[1] == null) {
                    throw new ConfigException(required[0] + " is required when the Databricks destination is enabled");
                }
            }
            if (!host.startsWith("https://")) {
                throw new ConfigException("databricks.host must be an https URL such as https://adb-123.4.azuredatabricks.net, got " + host);
            }
        }
        String v = trim(p.apply("databricks.volume"));
        if (v == null) {
            this.volume = null;
        } else if (v.startsWith("/Volumes/")) {
            this.volume = v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
            if (this.volume.split("/").length != 5) {
                throw new ConfigException("databricks.volume must be a volume name or /Volumes/<catalog>/<schema>/<volume>, got " + v);
            }
        } else if (v.matches("[A-Za-z0-9_]+")) {
            this.volume = "/Volumes/" + catalog + "/" + schema + "/" + v;
        } else {
            throw new ConfigException("databricks.volume must be a volume name or /Volumes/<catalog>/<schema>/<volume>, got " + v);
        }
        this.bulkThresholdRows = integer(p, "databricks.bulk-threshold-rows", 50_000, 1, Integer.MAX_VALUE);
        this.waitTimeoutSeconds = integer(p, "databricks.wait-timeout-seconds", 30, 0, 50);
        if (waitTimeoutSeconds != 0 && (waitTimeoutSeconds < 5 || waitTimeoutSeconds > 50)) {
            throw new ConfigException("databricks.wait-timeout-seconds must be 0 or between 5 and 50, got " + waitTimeoutSeconds);
        }
    }

    public boolean takes(String table) {
        return enabled && (tables == null || tables.contains(table));
    }

    /** The bulk path is available (a staging volume is configured). */
    public boolean bulk() {
        return volume != null;
    }

}
