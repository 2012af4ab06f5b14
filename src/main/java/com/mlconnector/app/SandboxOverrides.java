package com.mlconnector.app;

import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.sandbox.Sandbox;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What the sandbox puts in place of the configuration when no d365.url is set: every system's address is its
 * emulator's, every credential the emulator's own; a value the user set where the sandbox has no opinion (a workspace
 * id, a job id, a volume, a data source) is kept.
 */
final class SandboxOverrides {
    private SandboxOverrides() {
    }

    static Map<String, String> of(Sandbox sandbox, Function<String, String> props) {
        Map<String, String> sandboxValues = new HashMap<>();
        sandboxValues.put("d365.url", sandbox.fnoUrl());
        sandboxValues.put("entra.authority-host", sandbox.authorityHost());
        sandboxValues.put("d365.tenant-id", Sandbox.TENANT);
        sandboxValues.put("d365.client-id", Sandbox.CLIENT_ID);
        sandboxValues.put("d365.client-secret", Sandbox.CLIENT_SECRET);
        sandboxValues.put("powerbi.api-url", sandbox.powerBi().apiUrl());
        sandboxValues.put("powerbi.fabric-api-url", sandbox.fabric().apiUrl());
        sandboxValues.put("databricks.host", sandbox.databricks().baseUrl());
        sandboxValues.put("databricks.client-id", Sandbox.DATABRICKS_CLIENT);
        sandboxValues.put("databricks.client-secret", Sandbox.CLIENT_SECRET);
        sandboxValues.put("databricks.warehouse-id", Sandbox.DATABRICKS_WAREHOUSE);
        sandboxValues.put("databricks.catalog", "main");
        sandboxValues.put("databricks.schema", "finance");
        if (props.apply("databricks.volume") == null) {
            sandboxValues.put("databricks.volume", com.mlconnector.sandbox.DatabricksEmulator.STAGING_VOLUME);
        }
        if (props.apply("databricks.job-id") == null) {
            sandboxValues.put("databricks.job-id", String.valueOf(Sandbox.DATABRICKS_JOB));
        }
        sandboxValues.put("tableau.server-url", sandbox.tableau().baseUrl());
        sandboxValues.put("tableau.pat-name", Sandbox.TABLEAU_PAT_NAME);
        sandboxValues.put("tableau.pat-secret", Sandbox.TABLEAU_PAT_SECRET);
        sandboxValues.put("tableau.site", Sandbox.TABLEAU_SITE);
        if (props.apply("tableau.datasource-id") == null) {
            sandboxValues.put("tableau.datasource-id", Sandbox.TABLEAU_DATASOURCE);
        }
        if (props.apply("events.secret") == null) {
            sandboxValues.put("events.secret", randomSecret());
        }
        if (props.apply("tableau.webhook-secret") == null) {
            sandboxValues.put("tableau.webhook-secret", randomSecret());
        }
        // the sandbox Power BI reads the sandbox's own landing database (an import model's refresh) through a stand-in
        // gateway: the partitions name it as a deployment's would, and only the read account set on its data source works
        Map<String, String> landing = SandboxGuard.sandboxLanding(props);
        String reader = randomSecret();
        sandbox.powerBi().reachSource(Sandbox.LANDING_SERVER, Sandbox.LANDING_DATABASE,
                com.mlconnector.landing.LandingDialect.durableUrl(landing.get("landing.jdbc-url")), landing.get("landing.username"),
                landing.get("landing.password"), Sandbox.LANDING_READER, reader);
        sandboxValues.put("powerbi.source-server", Sandbox.LANDING_SERVER);
        sandboxValues.put("powerbi.source-database", Sandbox.LANDING_DATABASE);
        sandboxValues.put("powerbi.source-username", Sandbox.LANDING_READER);
        sandboxValues.put("powerbi.source-password", reader);
        String workspace = props.apply("powerbi.workspace-id");
        sandboxValues.put("powerbi.workspace-id", workspace == null || workspace.isBlank() ? Sandbox.WORKSPACE : workspace);
        return sandboxValues;
    }

    /** The sandbox's Tableau data source reads the finance tables mapped here (unless a data source is configured). */
    static Map<String, String> tableauTables(List<EntityMapping> loaded, Function<String, String> props) {
        if (props.apply("tableau.datasource-id") != null) {
            return Map.of();
        }
        return Map.of("tableau.datasource." + Sandbox.TABLEAU_DATASOURCE + ".tables", String.join(",",
                loaded.stream().map(EntityMapping::table).filter(List.of("Invoices", "InvoiceLines", "GLEntries",
                        "GLAccounts", "Vendors")::contains).toList()));
    }

    /** A secret for the sandbox's own inbound endpoints (48 hex characters, never reused across starts). */
    static String randomSecret() {
        byte[] bytes = new byte[24];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }
}
