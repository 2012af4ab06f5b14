package com.mlconnector.app;

import com.mlconnector.config.ConfigException;
import com.mlconnector.config.ConnectorSettings;
import com.mlconnector.databricks.DatabricksClient;
import com.mlconnector.databricks.DatabricksSettings;
import com.mlconnector.entra.EntraTokenProvider;
import com.mlconnector.fno.FnoClient;
import com.mlconnector.landing.LandingDatabase;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.powerbi.PowerBiDestination;
import com.mlconnector.powerbi.PowerBiSettings;
import com.mlconnector.sandbox.Sandbox;
import com.mlconnector.state.DeadLetters;
import com.mlconnector.sync.Mappings;
import com.mlconnector.sync.RunLedger;
import com.mlconnector.events.BusinessEventReceiver;
import com.mlconnector.events.EventSettings;
import com.mlconnector.events.EventStore;
import com.mlconnector.tableau.TableauDestination;
import com.mlconnector.tableau.TableauSettings;
import com.mlconnector.tableau.TableauWebhooks;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * The running connector: Camel Main with the routes from {@code routes/} and what they call ({@link Wiring}), its
 * start and stop, and the façade the commands and operations ({@link com.mlconnector.ops.OperatedConnector}) use.
 */
public final class ConnectorRuntime implements AutoCloseable, com.mlconnector.ops.OperatedConnector {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectorRuntime.class);

    private final RuntimeOptions options;
    private final Main main = new Main();
    /** What the connector is made of (made in Camel Main's configuration step). */
    private final Wiring wiring;
    private io.micrometer.core.instrument.MeterRegistry meters;
    private final com.mlconnector.ops.Operations operations = new com.mlconnector.ops.Operations();
    private final com.mlconnector.ops.StatusGauges gauges = new com.mlconnector.ops.StatusGauges(this);

    private ConnectorRuntime(RuntimeOptions options) {
        this.options = options;
        this.wiring = new Wiring(options, this);
    }

    public static ConnectorRuntime start(RuntimeOptions options) {
        ConnectorRuntime rt = new ConnectorRuntime(options);
        try {
            rt.boot();
        } catch (RuntimeException e) {
            rt.close();
            throw e;
        }
        return rt;
    }

    private void boot() {
        String dir = options.workDir().toAbsolutePath().normalize().toString();
        main.setPropertyPlaceholderLocations("file:" + dir + "/application.properties;optional=true");
        java.util.Properties overrides = new java.util.Properties();
        overrides.putAll(options.overrides());
        if (!options.schedules()) {
            // a one-off command (sync --once, check, replay) must not take the running service's port: it gets a free
            // loopback one (the sandbox's webhooks still reach it; a real Tableau's go to the service)
            overrides.putIfAbsent("camel.server.port", "0");
            overrides.putIfAbsent("camel.server.host", "127.0.0.1");
            overrides.putIfAbsent("camel.management.enabled", "false"); // the service's, not a one-off's
        }
        main.setOverrideProperties(overrides);
        main.configure().withRoutesIncludePattern("file:" + dir + "/routes/*.yaml");
        // the embedded HTTP server receives webhooks; application.properties (camel.server.*) overrides these
        // one name on every node: a clustered schedule's job finds the context of the node it fires on by this name
        main.addInitialProperty("camel.main.name", "ml-connector");
        main.addInitialProperty("camel.server.enabled", "true");
        main.addInitialProperty("camel.server.host", "127.0.0.1");
        main.addInitialProperty("camel.server.port", "8085");
        // the management server: Jolokia for Hawtio, health and Prometheus metrics (/observe/...), loopback by default
        main.addInitialProperty("camel.management.enabled", "true");
        main.addInitialProperty("camel.management.host", "127.0.0.1");
        main.addInitialProperty("camel.management.port", "8086");
        main.addInitialProperty("camel.management.jolokiaEnabled", "true");
        main.addInitialProperty("camel.management.healthCheckEnabled", "true");
        main.addInitialProperty("camel.management.metricsEnabled", "true");
        main.addInitialProperty("camel.metrics.enabled", "true");
        main.addInitialProperty("camel.metrics.binders", "jvm-memory,jvm-gc,jvm-thread,processor,uptime");
        main.configure().addConfiguration(new CamelConfiguration() {
            @Override
            public void configure(CamelContext ctx) throws Exception {
                wiring.build(ctx);
            }
        });
        try {
            main.start();
        } catch (RuntimeException e) {
            throw unwrapConfig(e);
        }
        if (main.getCamelContext() == null || !main.getCamelContext().getStatus().isStarted()) {
            throw new IllegalStateException("the connector did not start; see the log above");
        }
        checkDestinationRoutes();
        if (wiring.sandbox != null && wiring.builtIn.tableauSettings.enabled) {
            // the sandbox Tableau calls the webhook back, on the port the server got (0 picks a free one)
            String secret = wiring.builtIn.tableauSettings.webhookSecret;
            wiring.sandbox.tableau().webhookUrl(() -> "http://127.0.0.1:" + httpPort() + "/webhooks/tableau/" + secret);
        }
        if (wiring.sandbox != null && wiring.eventSettings.enabled) {
            // the sandbox F&O posts a business event when a test or the demo changes its data
            String secret = wiring.eventSettings.secret;
            wiring.sandbox.businessEvents().endpoint(() -> "http://127.0.0.1:" + httpPort() + "/events/fno/" + secret);
        }
        if (wiring.eventSettings.enabled && wiring.eventSettings.serviceBusQueue != null) {
            try {
                main.getCamelContext().addRouteFromTemplate("business-event-servicebus", "business-events-servicebus",
                        Map.of("queue", wiring.eventSettings.serviceBusQueue));
            } catch (Exception e) {
                String why = String.valueOf(e.getMessage()).replace(wiring.eventSettings.serviceBusConnection, "***");
                throw new ConfigException("events.servicebus.queue (" + wiring.eventSettings.serviceBusQueue + ") could not be consumed: " + why);
            }
            LOG.info("Business events are also taken from the Service Bus queue {}", wiring.eventSettings.serviceBusQueue);
        }
        // the connector's meters (recorded on Micrometer's global registry) join Camel's Prometheus registry
        meters = main.getCamelContext().getRegistry().lookupByNameAndType("metricsRegistry", io.micrometer.core.instrument.MeterRegistry.class);
        if (meters != null) {
            io.micrometer.core.instrument.Metrics.addRegistry(meters);
            com.mlconnector.ops.ConnectorMetrics.registerAtZero(wiring.mappings.all().stream().map(EntityMapping::table).toList(),
                    (d, t) -> takes(d, wiring.mappings.get(t)), wiring.destinations.activeBatchDestinations());
            gauges.register(meters); // lag, last success, failures, dead letters, paused, last outcome: what alerts are written on
        }
        operations.register(this, main.getCamelContext(), wiring.pauses);
        if (options.schedules()) {
            Schedules.install(main.getCamelContext(), wiring.mappings);
        }
    }

    /** Every destination switched on has the routes it needs in routes/ (else start-up stops, naming them). */
    private void checkDestinationRoutes() {
        java.util.Set<String> direct = new java.util.HashSet<>();
        for (org.apache.camel.Route r : main.getCamelContext().getRoutes()) {
            String uri = r.getEndpoint().getEndpointUri();
            if (uri.startsWith("direct://")) {
                direct.add(uri.substring("direct://".length()));
            }
        }
        List<String> missing = wiring.destinations.missingRoutes(direct::contains);
        if (!missing.isEmpty()) {
            throw new ConfigException("routes/ lacks what a destination needs: " + String.join("; ", missing)
                    + " (README, Routes: adding a destination)");
        }
    }

    /** The destinations switched on, landing first. */
    @Override
    public List<String> activeDestinations() {
        return wiring.destinations.active();
    }

    /** Does the destination take the entity? */
    @Override
    public boolean takes(String destination, EntityMapping m) {
        return wiring.destinations.takes(destination, m);
    }

    /** The port of the embedded HTTP server (webhooks), once started. */
    public int httpPort() {
        org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer server =
                main.getCamelContext().hasService(org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer.class);
        if (server == null || server.getServer() == null) {
            throw new IllegalStateException("the embedded HTTP server is not running (camel.server.enabled)");
        }
        return server.getServer().actualPort();
    }

    /** Runs one entity now; throws what made the run fail. */
    public void syncNow(String entity, String trigger) {
        syncNow(entity, trigger, false);
    }

    /**
     * Runs one entity now; with {@code deferTableau} the Tableau data sources that read it are only marked as owing
     * a refresh (the caller refreshes them once at the end: {@code sync --once} of many tables).
     */
    public void syncNow(String entity, String trigger, boolean deferTableau) {
        syncNow(entity, trigger, deferTableau, false);
    }

    /** Runs one entity now; with {@code full}, a reconcile: read whole, inserts, updates and deletes to every destination. */
    public void syncNow(String entity, String trigger, boolean deferTableau, boolean full) {
        ProducerTemplate pt = main.getCamelContext().createProducerTemplate();
        try {
            // deferred (a sync --once of several tables): the run's follow-ups are owed and asked once, after them all
            pt.requestBodyAndHeaders("direct:sync-entity", null, Map.of("entity", entity, "trigger", trigger,
                    TableauDestination.DEFER, deferTableau, com.mlconnector.sync.FollowUps.DEFER, deferTableau, RunLedger.FULL_READ, full));
        } finally {
            try {
                pt.stop();
            } catch (Exception ignored) {
                // nothing to release
            }
        }
    }

    /**
     * Starts a run of one entity on a thread of its own and returns its run id at once (its end shows in the run
     * ledger, `status` and the entity's MBean).
     */
    @Override
    public String startSync(String entity, String trigger) {
        String runId = java.util.UUID.randomUUID().toString();
        Thread t = new Thread(() -> {
            ProducerTemplate pt = main.getCamelContext().createProducerTemplate();
            try {
                pt.requestBodyAndHeaders("direct:sync-entity", null, Map.of("entity", entity, "trigger", trigger,
                        RunLedger.RUN_ID, runId));
            } catch (RuntimeException e) {
                LOG.warn("run={} entity={} ({}) did not succeed: {}", runId, entity, trigger, e.getMessage());
            } finally {
                try {
                    pt.stop();
                } catch (Exception ignored) {
                    // nothing to release
                }
            }
        }, "sync-" + trigger + "-" + entity);
        t.setDaemon(true);
        t.start();
        return runId;
    }

    public void awaitShutdown() throws InterruptedException {
        while (main.getCamelContext() != null && !main.getCamelContext().isStopped()) {
            Thread.sleep(500);
        }
    }

    public CamelContext camelContext() { return main.getCamelContext(); }
    @Override
    public ConnectorSettings settings() { return wiring.settings; }
    @Override
    public Mappings mappings() { return wiring.mappings; }
    @Override
    public LandingDatabase landing() { return wiring.landing; }
    public Sandbox sandbox() { return wiring.sandbox; }
    public EntraTokenProvider tokens() { return wiring.tokens; }
    public FnoClient fno() { return wiring.fno; }
    @Override
    public DeadLetters deadLetters() { return wiring.deadLetters; }
    public PowerBiDestination powerBi() { return wiring.builtIn.powerBi; }
    public PowerBiSettings powerBiSettings() { return wiring.builtIn.powerBiSettings; }
    public DatabricksSettings databricksSettings() { return wiring.builtIn.databricksSettings; }
    public DatabricksClient databricksClient() { return wiring.builtIn.databricksClient; }
    @Override
    public com.mlconnector.state.TableLeases leases() { return wiring.leases; }
    public TableauDestination tableau() { return wiring.builtIn.tableau; }
    /** The Fabric items API's semantic models (null while Power BI is off). */
    public com.mlconnector.powerbi.model.FabricClient fabricClient() { return wiring.builtIn.fabricClient; }
    /** The follow-ups owed after runs that landed rows (Databricks' Job, a Power BI model's refresh). */
    public com.mlconnector.sync.FollowUps followUps() { return wiring.followUps; }
    public TableauWebhooks tableauWebhooks() { return wiring.builtIn.tableauWebhooks; }
    public BusinessEventReceiver businessEvents() { return wiring.businessEvents; }
    public EventStore eventStore() { return wiring.eventStore; }
    public EventSettings eventSettings() { return wiring.eventSettings; }
    @Override
    public com.mlconnector.ops.Pauses pauses() { return wiring.pauses; }

    @Override
    public String fnoServiceRoot() { return wiring.fno.serviceRoot(); }

    @Override
    public boolean sandboxed() { return wiring.sandbox != null; }

    @Override
    public List<ReplayResult> replay(List<String> batchIds) throws Exception {
        return Replay.run(this, batchIds).stream().map(o -> new ReplayResult(o.batchId(), o.ok(), o.detail())).toList();
    }
    /** The mappings held against the tenant's $metadata. */
    public com.mlconnector.sync.MappingGate mappingGate() { return wiring.mappingGate; }
    public TableauSettings tableauSettings() { return wiring.builtIn.tableauSettings; }

    @Override
    public void close() {
        try {
            main.stop();
        } catch (RuntimeException e) {
            LOG.warn("stopping Camel: {}", e.getMessage());
        }
        if (wiring.heartbeat != null) {
            wiring.heartbeat.close();
        }
        if (wiring.builtIn != null && wiring.builtIn.tableauSession != null) {
            wiring.builtIn.tableauSession.close(); // signs out, freeing the token's one session
        }
        gauges.close();
        if (meters != null) {
            io.micrometer.core.instrument.Metrics.removeRegistry(meters);
        }
        operations.close();
        if (wiring.landing != null) {
            wiring.landing.close();
        }
        if (wiring.sandbox != null) {
            wiring.sandbox.close();
        }
    }

    static String redactJdbc(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private static RuntimeException unwrapConfig(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException c) {
                return c;
            }
            if (t instanceof com.mlconnector.mapping.MappingException m) {
                return m;
            }
        }
        return e;
    }
}
