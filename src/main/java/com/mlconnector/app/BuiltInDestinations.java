package com.mlconnector.app;

import com.mlconnector.config.ConfigException;
import com.mlconnector.config.ConnectorSettings;
import com.mlconnector.databricks.DatabricksClient;
import com.mlconnector.databricks.DatabricksDestination;
import com.mlconnector.databricks.DatabricksSettings;
import com.mlconnector.databricks.DatabricksTokens;
import com.mlconnector.entra.EntraTokenProvider;
import com.mlconnector.http.BearerToken;
import com.mlconnector.http.PacingClock;
import com.mlconnector.http.RouteHttp;
import com.mlconnector.landing.LandingDatabase;
import com.mlconnector.powerbi.PowerBiClient;
import com.mlconnector.powerbi.PowerBiDestination;
import com.mlconnector.powerbi.PowerBiSettings;
import com.mlconnector.powerbi.model.ImportModel;
import com.mlconnector.powerbi.model.LandingSource;
import com.mlconnector.powerbi.push.PushPacer;
import com.mlconnector.powerbi.push.PushTables;
import com.mlconnector.state.DeliveryState;
import com.mlconnector.sync.Mappings;
import com.mlconnector.sync.RetryPolicy;
import com.mlconnector.tableau.RefreshLedger;
import com.mlconnector.tableau.TableauClient;
import com.mlconnector.tableau.TableauDestination;
import com.mlconnector.tableau.TableauSession;
import com.mlconnector.tableau.TableauSettings;
import com.mlconnector.tableau.TableauWebhooks;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Power BI, Databricks and Tableau as configured: their settings (checked against the mappings), their clients, and
 * the token step of each one's HTTP route. Their calls go out through their route files (camel-http), each with a
 * token step serving its own host alone; a destination switched off keeps its route, whose token step refuses every
 * call.
 */
final class BuiltInDestinations {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BuiltInDestinations.class);
    /** Every built-in destination's name, landing first: a destination added through the destinations property may not take one. */
    static final List<String> NAMES = List.of(com.mlconnector.sync.RunLedger.DESTINATION, PowerBiDestination.DESTINATION,
            DatabricksDestination.DESTINATION, TableauDestination.DESTINATION);
    final PowerBiSettings powerBiSettings;
    final PowerBiDestination powerBi;
    /** The Fabric items API (semantic models), when Power BI is on. */
    com.mlconnector.powerbi.model.FabricClient fabricClient;
    final DatabricksSettings databricksSettings;
    final DatabricksClient databricksClient;
    final DatabricksDestination databricks;
    final TableauSettings tableauSettings;
    final TableauSession tableauSession;
    final TableauDestination tableau;
    final TableauWebhooks tableauWebhooks;
    /** The beans the destinations' route files call by name: the destinations and their token steps. */
    final Map<String, Object> beans = new LinkedHashMap<>();

    /** What the destinations are made with. */
    record Needs(CamelContext camel, Function<String, String> properties, ConnectorSettings settings, boolean sandboxed,
                 SSLContext ssl, EntraTokenProvider tokens, Mappings mappings, DeliveryState state, LandingDatabase landing,
                 com.mlconnector.state.DeadLetters deadLetters, PacingClock clock, RetryPolicy retries,
                 com.mlconnector.sync.FollowUps followUps) {
    }

    BuiltInDestinations(Needs n) {
        ConnectorSettings s = n.settings();
        powerBiSettings = new PowerBiSettings(n.properties(), n.sandboxed(), s.tenantId, s.clientId, s.clientSecret);
        for (String t : powerBiSettings.enabled ? powerBiSettings.tables : List.<String>of()) {
            mapped(n.mappings(), t, "powerbi.tables"); // a Power BI table must be a mapped entity
        }
        PowerBiClient powerBiClient = null;
        beans.put("powerBiToken", refuseAll("Power BI", "powerbi.enabled"));
        beans.put("fabricToken", refuseAll("Fabric", "powerbi.enabled"));
        if (powerBiSettings.enabled) {
            EntraTokenProvider pbTokens = powerBiSettings.clientId.equals(s.clientId) && powerBiSettings.tenantId.equals(s.tenantId)
                    ? n.tokens() // one client application per client id
                    : new EntraTokenProvider(s.authorityHost, powerBiSettings.tenantId, powerBiSettings.clientId,
                            powerBiSettings.clientSecret, n.ssl(), Clock.systemUTC());
            beans.put("powerBiToken", new BearerToken("Power BI", "powerbi.api-url", URI.create(powerBiSettings.apiUrl),
                    pbTokens.forScope(PowerBiSettings.SCOPE)));
            powerBiClient = new PowerBiClient(powerBiSettings, new RouteHttp(n.camel(), "direct:powerbi-http", "Power BI"));
            // the Fabric items API (semantic models): a token of its own audience, only for powerbi.fabric-api-url's host
            beans.put("fabricToken", new BearerToken("Fabric", "powerbi.fabric-api-url", URI.create(powerBiSettings.fabricApiUrl),
                    pbTokens.forScope(PowerBiSettings.FABRIC_SCOPE)));
            fabricClient = new com.mlconnector.powerbi.model.FabricClient(powerBiSettings.fabricApiUrl, powerBiSettings.workspaceId,
                    new RouteHttp(n.camel(), "direct:fabric-http", "Fabric"), n.clock(), java.time.Duration.ofMinutes(10));
        }
        PowerBiSettings.Model mode = powerBiMode(n);
        PushTables push = new PushTables(powerBiSettings, powerBiClient, new PushPacer(n.clock(), powerBiSettings), n.state(),
                n.landing(), n.mappings(), n.deadLetters());
        ImportModel importModel = null;
        if (powerBiSettings.enabled && mode == PowerBiSettings.Model.IMPORT) {
            // the model reads the landing database: one Power BI can reach (an embedded H2 file is refused here, at start-up)
            LandingSource source = LandingSource.of(s.landingJdbcUrl, powerBiSettings.sourceServer, powerBiSettings.sourceDatabase,
                    n.sandboxed());
            importModel = new ImportModel(powerBiSettings, powerBiClient, fabricClient,
                    powerBiSettings.tables.stream().map(n.mappings()::get).toList(), source, n.landing(), n.state(), n.followUps(),
                    n.retries(), n.clock());
            LOG.info("Power BI: import mode: the semantic model '{}' in workspace {} reads the landing database {} on {}",
                    powerBiSettings.datasetName, powerBiSettings.workspaceId, source.database(), source.server());
        } else if (powerBiSettings.enabled) {
            LOG.warn("Power BI: push mode (dataset '{}'). Push semantic models cannot be created after {} and hold at most 5,000,000 "
                    + "rows a table; powerbi.model=import provisions an import model over the landing database instead (README, "
                    + "Power BI)", powerBiSettings.datasetName, PowerBiSettings.PUSH_RETIRED);
        }
        powerBi = new PowerBiDestination(powerBiSettings, mode, powerBiClient, push, importModel, n.clock(), n.state(), n.followUps());

        databricksSettings = new DatabricksSettings(n.properties(), n.sandboxed());
        beans.put("databricksToken", databricksSettings.enabled ? new BearerToken("Databricks", "databricks.host",
                URI.create(databricksSettings.host), new DatabricksTokens(databricksSettings.host, databricksSettings.clientId,
                databricksSettings.clientSecret, n.ssl())) : refuseAll("Databricks", "databricks.enabled"));
        databricksClient = databricksSettings.enabled
                ? new DatabricksClient(databricksSettings, new RouteHttp(n.camel(), "direct:databricks-http", "Databricks")) : null;
        databricks = new DatabricksDestination(databricksSettings, databricksClient, n.state(), n.retries(), n.followUps());

        tableauSettings = new TableauSettings(n.properties(), n.sandboxed());
        for (Map.Entry<String, List<String>> ds : tableauSettings.enabled ? tableauSettings.datasources.entrySet()
                : Map.<String, List<String>>of().entrySet()) {
            for (String t : ds.getValue() == null ? List.<String>of() : ds.getValue()) {
                mapped(n.mappings(), t, "tableau.datasource." + ds.getKey() + ".tables"); // a data source reads landed tables
            }
        }
        RefreshLedger refreshLedger = new RefreshLedger(n.landing().dataSource());
        tableauSession = tableauSettings.enabled ? new TableauSession(tableauSettings, n.ssl()) : null;
        beans.put("tableauToken", tableauSession == null ? refuseAll("Tableau", "tableau.enabled")
                : new BearerToken("Tableau", "tableau.server-url", URI.create(tableauSettings.serverUrl), tableauSession));
        tableau = new TableauDestination(tableauSettings, tableauSession == null ? null : new TableauClient(tableauSettings,
                tableauSession, new RouteHttp(n.camel(), "direct:tableau-http", "Tableau")), refreshLedger, n.state(), n.retries(),
                n.followUps());
        tableauWebhooks = new TableauWebhooks(tableauSettings, tableau, refreshLedger);

        beans.put(PowerBiDestination.DESTINATION, powerBi);
        beans.put(DatabricksDestination.DESTINATION, databricks);
        beans.put(TableauDestination.DESTINATION, tableau);
        beans.put("tableauWebhooks", tableauWebhooks);
    }

    /**
     * powerbi.model, or when it is not set: push for an installation that has sent rows to its push dataset before
     * (its audit trail says so), import for a new one.
     */
    private PowerBiSettings.Model powerBiMode(Needs n) {
        if (powerBiSettings.model != null || !powerBiSettings.enabled) {
            return powerBiSettings.model == null ? PowerBiSettings.Model.IMPORT : powerBiSettings.model;
        }
        try {
            if (n.state().everSentRows(PowerBiDestination.DESTINATION)) {
                LOG.info("Power BI: powerbi.model is not set and this installation has pushed rows before: it stays on push");
                return PowerBiSettings.Model.PUSH;
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot read the audit trail to choose powerbi.model (set it to import or push): "
                    + e.getMessage(), e);
        }
        return PowerBiSettings.Model.IMPORT;
    }

    /** In the registry's order, after the landing database. */
    List<com.mlconnector.destination.Destination> list() {
        return List.of(powerBi, databricks, tableau);
    }

    private static void mapped(Mappings mappings, String table, String setting) {
        try {
            mappings.get(table);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(setting + ": " + e.getMessage());
        }
    }

    /** The token step of a destination that is switched off: its route exists, and no call goes out through it. */
    private static Processor refuseAll(String service, String setting) {
        return e -> {
            throw new IllegalStateException(service + " is switched off (" + setting + "=false): no call goes out");
        };
    }
}
