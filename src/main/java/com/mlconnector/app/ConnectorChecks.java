package com.mlconnector.app;

import com.mlconnector.fno.EdmCatalog;
import com.mlconnector.fno.ODataQueries;
import com.mlconnector.mapping.EntityMapping;

import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * "Ping your real systems": proves the configuration against what it points at. Each check reports OK or what is
 * wrong, in words an engineer can act on; none writes anything that stays.
 */
public final class ConnectorChecks {
    /** One check: failed, passed, or passed with something the engineer should act on before it fails (warning). */
    public record Result(String name, boolean ok, String detail, boolean warning) {
        public Result(String name, boolean ok, String detail) {
            this(name, ok, detail, false);
        }

        @Override
        public String toString() {
            return (!ok ? "FAIL  " : warning ? "WARN  " : "OK    ") + name + (detail == null || detail.isEmpty() ? "" : ": " + detail);
        }
    }

    private ConnectorChecks() {
    }

    public static List<Result> run(ConnectorRuntime rt) {
        List<Result> results = new ArrayList<>();
        String fnoScope = rt.settings().d365Url + "/.default";
        results.add(check("Entra ID token for F&O (" + fnoScope + ")", () -> {
            rt.tokens().token(fnoScope);
            return "client " + rt.settings().clientId + " at " + rt.settings().authorityHost;
        }));
        results.add(check("F&O $metadata at " + rt.fno().serviceRoot() + "/$metadata", () -> {
            // read once (streamed); the mapping checks below hold each mapping against it
            EdmCatalog edm = rt.mappingGate().metadata().catalog();
            return String.format("%,d entity sets published", edm.entitySets().size());
        }));
        for (EntityMapping m : rt.mappings().all()) {
            results.add(mappingCheck(rt, m));
        }
        for (EntityMapping m : rt.mappings().all()) {
            results.add(check("F&O entity " + m.entitySet() + " with the " + m.selectedSources().size() + " mapped properties", () -> {
                String url = ODataQueries.firstPage(rt.fno().serviceRoot(), m, rt.settings().crossCompany,
                        rt.settings().legalEntities, null, null) + "&$top=1";
                try (InputStream in = rt.fno().get(url)) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                }
                return "readable";
            }));
        }
        if (rt.powerBiSettings().enabled) {
            results.add(powerBiCheck(rt));
        }
        if (rt.databricksSettings().enabled) {
            results.add(check("Databricks warehouse " + rt.databricksSettings().warehouseId + " at " + rt.databricksSettings().host
                    + " (" + rt.databricksSettings().catalog + "." + rt.databricksSettings().schema + ")", () -> {
                rt.databricksClient().execute("SELECT 1", java.util.List.of());
                return "token and statement execution work";
            }));
            var ds = rt.databricksSettings();
            if (ds.bulk()) {
                results.add(check("Databricks staging volume " + ds.volume + " (bulk path for runs of "
                        + String.format("%,d", ds.bulkThresholdRows) + " rows or more)", () -> {
                    if (!rt.databricksClient().directoryExists(ds.volume)) {
                        throw new IllegalStateException("the volume does not exist or this service principal cannot read it: create it "
                                + "(CREATE VOLUME " + ds.volume.substring("/Volumes/".length()).replace('/', '.') + ") and grant READ VOLUME, "
                                + "WRITE VOLUME on it, or unset databricks.volume to merge every batch by statements");
                    }
                    return "exists and can be listed";
                }));
            }
        }
        if (rt.tableau().settings().enabled) {
            var ts = rt.tableau().settings();
            results.add(check("Tableau sign-in at " + ts.serverUrl + " (site '" + ts.site + "', token '" + ts.patName + "')",
                    () -> "site " + rt.tableau().client().session().siteId()));
            for (String ds : ts.datasources.keySet()) {
                results.add(check("Tableau data source " + ds, () -> "'" + rt.tableau().client().datasourceName(ds)
                        + "', refreshed after " + (ts.datasources.get(ds) == null ? "every table" : String.join(", ", ts.datasources.get(ds)))
                        + " land"));
            }
        }
        results.add(check("Landing database writable (" + ConnectorRuntime.redactJdbc(rt.settings().landingJdbcUrl) + ")", () -> {
            try (Connection c = rt.landing().dataSource().getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO connector_run (run_id, entity, target_table, "
                        + "destination, trigger_kind, status, started_at) VALUES ('check', 'check', 'check', 'check', 'check', 'CHECK', ?)")) {
                    ps.setTimestamp(1, Timestamp.from(Instant.now()));
                    ps.executeUpdate();
                } finally {
                    c.rollback(); // proves the write, keeps nothing
                    c.setAutoCommit(true);
                }
            }
            return "insert accepted and rolled back";
        }));
        return results;
    }

    /**
     * Power BI in its mode. Import: the semantic model is found (made by the connector, or someone else's, which is only
     * refreshed) or will be provisioned; the tables that still owe a refresh. Push: the dataset, with the retirement warning.
     */
    private static Result powerBiCheck(ConnectorRuntime rt) {
        var s = rt.powerBiSettings();
        var powerBi = rt.powerBi();
        if (powerBi.mode() == com.mlconnector.powerbi.PowerBiSettings.Model.PUSH) {
            Result r = check("Power BI workspace " + s.workspaceId + " at " + s.apiUrl + " (push mode)", () -> {
                String id = powerBi.client().findDataset(s.datasetName);
                return (id == null ? "reachable; push dataset '" + s.datasetName + "' will be created on the first run"
                        : "reachable; push dataset '" + s.datasetName + "' is " + id)
                        + "; push semantic models cannot be created after " + com.mlconnector.powerbi.PowerBiSettings.PUSH_RETIRED
                        + " and hold at most 5,000,000 rows a table: powerbi.model=import provisions an import model over the "
                        + "landing database (README, Power BI: push or import)";
            });
            return r.ok() ? new Result(r.name(), true, r.detail(), true) : r;
        }
        return check("Power BI workspace " + s.workspaceId + " at " + s.apiUrl + " (import mode, Fabric API at " + s.fabricApiUrl + ")",
                () -> {
                    var found = powerBi.importModel().inspect();
                    List<String> owed = rt.followUps().owed(com.mlconnector.powerbi.PowerBiDestination.DESTINATION).stream()
                            .map(o -> o.table()).distinct().sorted().toList();
                    String model = found == null
                            ? "semantic model '" + s.datasetName + "' will be provisioned from the mappings on the first run"
                            : !found.ours() ? "semantic model '" + s.datasetName + "' (" + found.id() + ") was not made by the connector: "
                            + "it is refreshed, never rewritten"
                            : "semantic model '" + s.datasetName + "' (" + found.id() + ") made by the connector; "
                            + (found.behind().isEmpty() ? "in step with the mappings"
                            : "the next run brings " + String.join(", ", found.behind()) + " in step with the mappings");
                    return "reachable; " + model + (owed.isEmpty() ? "" : "; a refresh is owed for " + String.join(", ", owed));
                });
    }

    /**
     * The mapping held against the tenant's $metadata: every problem listed; for a table with several sources (GLEntries),
     * which of them this tenant publishes and how to switch.
     */
    private static Result mappingCheck(ConnectorRuntime rt, EntityMapping m) {
        String name = "Mapping " + m.table() + " (" + m.origin() + ") against $metadata of " + m.entitySet();
        try {
            List<String> problems = rt.mappingGate().problems(m);
            EdmCatalog edm = rt.mappingGate().metadata().catalog();
            List<String> notes = new ArrayList<>();
            for (EntityMapping alt : rt.mappings().alternativesOf(m)) {
                boolean published = edm.entity(alt.entitySet()) != null;
                if (edm.entity(m.entitySet()) == null && published) {
                    problems = new ArrayList<>(problems);
                    problems.add("this tenant publishes " + alt.entitySet() + " instead (" + alt.origin()
                            + "): set mapping." + m.table() + "=" + alt.entitySet());
                } else {
                    notes.add("the other source of " + m.table() + ", " + alt.entitySet() + " (" + alt.origin() + "), is "
                            + (published ? "published here too (switch with mapping." + m.table() + "=" + alt.entitySet() + ")"
                            : "not published by this tenant"));
                }
            }
            if (!problems.isEmpty()) {
                return new Result(name, false, String.join("\n      ", problems));
            }
            return new Result(name, true, m.selectedSources().size() + " properties, key and types match"
                    + (notes.isEmpty() ? "" : "; " + String.join("; ", notes)));
        } catch (Exception e) {
            return check(name, () -> {
                throw e;
            });
        }
    }

    private interface Probe {
        String run() throws Exception;
    }

    private static Result check(String name, Probe probe) {
        try {
            return new Result(name, true, probe.run());
        } catch (Exception e) {
            Throwable t = e;
            String msg = t.getMessage();
            if (t instanceof com.mlconnector.config.ConfigException) {
                return new Result(name, false, msg);
            }
            if (t instanceof org.apache.camel.http.base.HttpOperationFailedException h) {
                msg = "HTTP " + h.getStatusCode() + (h.getResponseBody() == null ? "" : " " + h.getResponseBody()
                        .substring(0, Math.min(300, h.getResponseBody().length())));
            }
            return new Result(name, false, t.getClass().getSimpleName() + ": " + msg);
        }
    }
}
