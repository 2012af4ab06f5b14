package com.mlconnector.support;

import com.mlconnector.sandbox.Sandbox;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The configuration of a connector deployed against real systems, pointed at emulators a test runs itself (they
 * outlive the connector, as real systems do): F&O and Entra, Power BI, Databricks. Not the sandbox mode: d365.url set.
 */
public final class AgainstSandbox {
    private AgainstSandbox() {
    }

    public static Map<String, String> settings(Sandbox sandbox, String landingUrl) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("d365.url", sandbox.fnoUrl());
        props.put("entra.authority-host", sandbox.authorityHost());
        props.put("d365.tenant-id", Sandbox.TENANT);
        props.put("d365.client-id", Sandbox.CLIENT_ID);
        props.put("d365.client-secret", Sandbox.CLIENT_SECRET);
        props.put("landing.jdbc-url", landingUrl);
        props.put("powerbi.api-url", sandbox.powerBi().apiUrl());
        props.put("powerbi.workspace-id", Sandbox.WORKSPACE);
        props.put("powerbi.model", "push"); // an H2 landing: import mode would need a database Power BI can reach
        props.put("databricks.host", sandbox.databricks().baseUrl());
        props.put("databricks.client-id", Sandbox.DATABRICKS_CLIENT);
        props.put("databricks.client-secret", Sandbox.CLIENT_SECRET);
        props.put("databricks.warehouse-id", Sandbox.DATABRICKS_WAREHOUSE);
        props.put("databricks.catalog", "main");
        props.put("databricks.schema", "finance");
        props.put("databricks.job-id", String.valueOf(Sandbox.DATABRICKS_JOB));
        props.put("retry.initial-backoff-ms", "50");
        props.put("retry.max-backoff-ms", "200");
        props.put("camel.server.port", "0");
        props.put("camel.management.enabled", "false");
        return props;
    }
}
