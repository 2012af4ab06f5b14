package com.mlconnector.app;

import com.mlconnector.config.ConfigException;
import com.mlconnector.config.ConnectorSettings;
import com.mlconnector.destination.AddedDestinations;
import com.mlconnector.destination.Destination;
import com.mlconnector.destination.DestinationContext;
import com.mlconnector.destination.DestinationRegistry;
import com.mlconnector.databricks.DatabricksClient;
import com.mlconnector.databricks.DatabricksDestination;
import com.mlconnector.databricks.DatabricksSettings;
import com.mlconnector.entra.EntraTokenProvider;
import com.mlconnector.fno.FnoClient;
import com.mlconnector.http.ConnectorTls;
import com.mlconnector.landing.LandingDatabase;
import com.mlconnector.landing.LandingWriter;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.MappingLoader;
import com.mlconnector.http.PacingClock;
import com.mlconnector.powerbi.PowerBiClient;
import com.mlconnector.powerbi.PowerBiDestination;
import com.mlconnector.powerbi.PowerBiSettings;
import com.mlconnector.powerbi.PushPacer;
import com.mlconnector.sandbox.Sandbox;
import com.mlconnector.sandbox.SandboxTls;
import com.mlconnector.state.DeadLetters;
import com.mlconnector.state.DeliveryState;
import com.mlconnector.sync.ChangeDetection;
import com.mlconnector.sync.DeliveryRecorder;
import com.mlconnector.sync.FnoPages;
import com.mlconnector.sync.Mappings;
import com.mlconnector.sync.RetryPolicy;
import com.mlconnector.sync.RunLedger;
import com.mlconnector.events.BusinessEventReceiver;
import com.mlconnector.events.EventMap;
import com.mlconnector.events.EventReads;
import com.mlconnector.events.EventSettings;
import com.mlconnector.events.EventStore;
import com.mlconnector.tableau.RefreshLedger;
import com.mlconnector.tableau.TableauClient;
import com.mlconnector.tableau.TableauDestination;
import com.mlconnector.tableau.TableauSession;
import com.mlconnector.tableau.TableauSettings;
import com.mlconnector.tableau.TableauWebhooks;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.main.Main;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The running connector: Camel Main with the routes from {@code routes/}, the beans they call, and, when no F&O
 * is configured, the sandbox. Beans are made after Camel has loaded the properties (so environment variables and
 * system properties override the file, and {@code ENC(…)} values are decrypted) and before routes start.
 */
public final class ConnectorRuntime implements AutoCloseable, com.mlconnector.ops.OperatedConnector {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectorRuntime.class);

    private final RuntimeOptions options;
    private final Main main = new Main();
    private ConnectorSettings settings;
    private Sandbox sandbox;
    private LandingDatabase landing;
    private Mappings mappings;
    private EntraTokenProvider tokens;
    private FnoClient fno;
    private DeadLetters deadLetters;
    private PowerBiSettings powerBiSettings;
    private PowerBiDestination powerBi;
    private DatabricksSettings databricksSettings;
    private DatabricksDestination databricks;
    private DatabricksClient databricksClient;
    private com.mlconnector.state.TableLeases leases;
    private NodeHeartbeat heartbeat;
    private TableauSettings tableauSettings;
    private TableauSession tableauSession;
    private TableauDestination tableau;
    private TableauWebhooks tableauWebhooks;
    private EventSettings eventSettings;
    private BusinessEventReceiver businessEvents;
    private EventStore eventStore;
    private com.mlconnector.ops.Pauses pauses;
    private com.mlconnector.sync.MappingGate mappingGate;
    private io.micrometer.core.instrument.MeterRegistry meters;
    private final com.mlconnector.ops.Operations operations = new com.mlconnector.ops.Operations();
    private final com.mlconnector.ops.StatusGauges gauges = new com.mlconnector.ops.StatusGauges(this);
    /** Every destination, declared once (switched on or not, which entities it takes). */
    private DestinationRegistry destinations;

    private ConnectorRuntime(RuntimeOptions options) {
        this.options = options;
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
                ConnectorRuntime.this.configure(ctx);
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
        if (sandbox != null && tableauSettings.enabled) {
            // the sandbox Tableau calls the webhook back, on the port the server got (0 picks a free one)
            String secret = tableauSettings.webhookSecret;
            sandbox.tableau().webhookUrl(() -> "http://127.0.0.1:" + httpPort() + "/webhooks/tableau/" + secret);
        }
        if (sandbox != null && eventSettings.enabled) {
            // the sandbox F&O posts a business event when a test or the demo changes its data
            String secret = eventSettings.secret;
            sandbox.businessEvents().endpoint(() -> "http://127.0.0.1:" + httpPort() + "/events/fno/" + secret);
        }
        if (eventSettings.enabled && eventSettings.serviceBusQueue != null) {
            try {
                main.getCamelContext().addRouteFromTemplate("business-event-servicebus", "business-events-servicebus",
                        Map.of("queue", eventSettings.serviceBusQueue));
            } catch (Exception e) {
                String why = String.valueOf(e.getMessage()).replace(eventSettings.serviceBusConnection, "***");
                throw new ConfigException("events.servicebus.queue (" + eventSettings.serviceBusQueue + ") could not be consumed: " + why);
            }
            LOG.info("Business events are also taken from the Service Bus queue {}", eventSettings.serviceBusQueue);
        }
        // the connector's meters (recorded on Micrometer's global registry) join Camel's Prometheus registry
        meters = main.getCamelContext().getRegistry().lookupByNameAndType("metricsRegistry", io.micrometer.core.instrument.MeterRegistry.class);
        if (meters != null) {
            io.micrometer.core.instrument.Metrics.addRegistry(meters);
            com.mlconnector.ops.ConnectorMetrics.registerAtZero(mappings.all().stream().map(EntityMapping::table).toList(),
                    (d, t) -> takes(d, mappings.get(t)), destinations.activeBatchDestinations());
            gauges.register(meters); // lag, last success, failures, dead letters, paused, last outcome: what alerts are written on
        }
        operations.register(this, main.getCamelContext(), pauses);
        if (options.schedules()) {
            Schedules.install(main.getCamelContext(), mappings);
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
        List<String> missing = destinations.missingRoutes(direct::contains);
        if (!missing.isEmpty()) {
            throw new ConfigException("routes/ lacks what a destination needs: " + String.join("; ", missing)
                    + " (README, Routes: adding a destination)");
        }
    }

    /** The destinations switched on, landing first. */
    @Override
    public List<String> activeDestinations() {
        return destinations.active();
    }

    /** Does the destination take the entity? */
    @Override
    public boolean takes(String destination, EntityMapping m) {
        return destinations.takes(destination, m);
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

    /** Runs inside Camel Main's configuration step: properties are loaded, routes not yet started. */
    private void configure(CamelContext ctx) throws Exception {
        PropertiesComponent pc = (PropertiesComponent) ctx.getPropertiesComponent();
        Function<String, String> props = ConfiguredProperties.of(pc, options.masterPassword());

        ConnectorSettings configured = ConnectorSettings.from(props);
        SSLContext ssl;
        Function<String, String> effective = props;
        Map<String, String> sandboxValues = new HashMap<>();
        if (SandboxGuard.sandbox(configured, props)) {
            sandbox = Sandbox.start(props);
            // the sandbox writes only to a database of its own, never to a configured landing database
            sandboxValues.putAll(SandboxGuard.sandboxLanding(props));

            sandboxValues.putAll(SandboxOverrides.of(sandbox, props));
            effective = k -> sandboxValues.containsKey(k) ? sandboxValues.get(k) : props.apply(k);
            settings = ConnectorSettings.from(effective);
            ssl = ConnectorTls.context(SandboxTls.trustManager());
            LOG.info("No d365.url configured: running against the in-process sandbox (F&O {}, Entra ID {})",
                    settings.d365Url, settings.authorityHost);
        } else {
            settings = configured;
            ssl = ConnectorTls.context(null);
        }

        List<EntityMapping> files = MappingLoader.loadAll(options.workDir().resolve(settings.mappingsDir));
        List<EntityMapping> loaded = MappingLoader.select(files, effective); // mapping.<Table> chooses among sources
        mappings = new Mappings(loaded, files);
        landing = new LandingDatabase(settings.landingJdbcUrl, settings.landingUsername, settings.landingPassword);
        landing.prepare(loaded);
        pauses = new com.mlconnector.ops.Pauses(mappings, landing.dataSource());
        if (!pauses.all().isEmpty()) {
            LOG.warn("Paused by an operator (resume them over JMX): {}", pauses.all());
        }
        tokens = new EntraTokenProvider(settings.authorityHost, settings.tenantId, settings.clientId,
                settings.clientSecret, ssl, Clock.systemUTC());
        fno = new FnoClient(settings.d365Url, tokens, ssl, settings.requestTimeout, settings.firstRequestTimeout,
                settings.maxConcurrentRequests);

        DeliveryState state = new DeliveryState(landing.dataSource(), landing.dialect());
        deadLetters = new DeadLetters(landing.dataSource());
        HttpsComponents.configure(ctx, ConnectorTls.trustManager(sandbox != null ? SandboxTls.trustManager() : null));
        if (sandbox != null) {
            sandboxValues.putAll(SandboxOverrides.tableauTables(loaded, props));
        }
        RetryPolicy retryPolicy = new RetryPolicy(settings.retry, Clock.systemUTC(), sandbox != null ? sandbox.timeScale() : 1.0);
        PacingClock clock = sandbox != null ? sandbox.clock() : PacingClock.SYSTEM;
        BuiltInDestinations builtIn = new BuiltInDestinations(new BuiltInDestinations.Needs(ctx, effective, settings,
                sandbox != null, ssl, tokens, mappings, state, landing, clock, retryPolicy));
        powerBiSettings = builtIn.powerBiSettings;
        powerBi = builtIn.powerBi;
        databricksSettings = builtIn.databricksSettings;
        databricksClient = builtIn.databricksClient;
        databricks = builtIn.databricks;
        tableauSettings = builtIn.tableauSettings;
        tableauSession = builtIn.tableauSession;
        tableau = builtIn.tableau;
        tableauWebhooks = builtIn.tableauWebhooks;
        // every destination, declared once: the landing database, the built-in ones, then those the destinations
        // property adds (each bound under its name for its route file)
        List<Destination> declared = new ArrayList<>();
        declared.add(DestinationRegistry.LANDING);
        declared.addAll(builtIn.list());
        List<Destination> added = AddedDestinations.load(effective.apply(AddedDestinations.PROPERTY),
                new DestinationContext(effective, mappings, sandbox != null), options.workDir(),
                declared.stream().map(Destination::name).toList());
        declared.addAll(added);
        destinations = new DestinationRegistry(declared);
        ChangeDetection changes = new ChangeDetection(state, settings, destinations.batchDestinations());
        leases = new com.mlconnector.state.TableLeases(landing.dataSource(), com.mlconnector.state.Nodes.newIdentity(),
                java.time.Duration.ofSeconds(settings.leaseSeconds));
        heartbeat = new NodeHeartbeat(landing.dataSource(), leases, options.schedules() ? "service" : "command");
        if (options.schedules() && QuartzCluster.wanted(props.apply("connector.cluster"), landing.dialect())) {
            QuartzCluster.configure(ctx, landing.dataSource(), leases.owner(), 7_500);
            LOG.info("Schedules are shared with every node on this state database (Quartz JDBC job store, clustered): "
                    + "each firing runs on one node");
        }
        RunLedger ledger = new RunLedger(landing.dataSource(), mappings, settings, fno, changes, state, leases);
        ledger.abandonInterrupted();
        LandingWriter writer = new LandingWriter(landing);
        DeliveryRecorder recorder = new DeliveryRecorder(state, deadLetters);

        // the beans the routes call, by the names the YAML uses; tests and the benchmark may put others in their place
        Map<String, Object> beans = new LinkedHashMap<>();
        beans.put("retryPolicy", retryPolicy);
        beans.putAll(builtIn.beans);
        added.forEach(d -> beans.put(d.name(), d));
        eventSettings = new EventSettings(effective, sandbox != null);
        EventMap eventMap = eventSettings.enabled ? EventMap.load(options.workDir().resolve(eventSettings.mapFile), mappings)
                : EventMap.empty();
        eventStore = new EventStore(landing.dataSource());
        businessEvents = new BusinessEventReceiver(eventSettings, eventMap, eventStore);
        beans.put("businessEvents", businessEvents);
        beans.put("eventReads", new EventReads(eventSettings, eventMap, eventStore, pauses));
        beans.put("changes", changes);
        beans.put("destinations", destinations);
        beans.put("deliveries", new com.mlconnector.sync.DeliveryQueues(ctx, destinations.activeBatchDestinations(), settings.queueDepth, java.time.Duration.ofMinutes(settings.deliveryWaitMinutes),
                // the route bean "delivery" (the benchmark puts its own in place) hears of each batch a queue handled
                (sync, destination, batch) -> {
                    var delivery = ctx.getRegistry().lookupByNameAndType("delivery", com.mlconnector.sync.DeliveryQueues.Handled.class);
                    if (delivery != null) {
                        delivery.handled(sync, destination, batch);
                    }
                }));
        beans.put("runLedger", ledger);
        mappingGate = new com.mlconnector.sync.MappingGate(new com.mlconnector.fno.TenantMetadata(fno,
                files.stream().map(EntityMapping::entitySet).toList()));
        beans.put("mappingCheck", mappingGate);
        beans.put("fnoPages", new FnoPages(fno, settings, mappingGate));
        beans.put("landing", options.sink() != null ? options.sink() : writer);
        beans.put("delivery", recorder);
        beans.put("landingWriter", writer);
        beans.put("deliveryRecorder", recorder);
        beans.put("pauses", pauses);
        beans.put("statusPage", new com.mlconnector.ops.StatusPage(this));
        beans.put("catchUp", new CatchUp(this));
        beans.putAll(options.beans());
        Registry registry = ctx.getRegistry();
        beans.forEach(registry::bind);
        aliasMainRouter(ctx, pc);
        LOG.info("Connector configured: {} entities mapped ({}), landing database {}", loaded.size(),
                loaded.stream().map(EntityMapping::table).toList(), redactJdbc(settings.landingJdbcUrl));
    }

    /**
     * With the management server on as well, there are two Vert.x servers, and platform-http's engine, finding no
     * single one, looks for the router of port 8080 whatever camel.server.port says (Camel 4.17); routes then fail to
     * start. The name it looks for is bound to the main server's router, resolved when asked for.
     */
    private static void aliasMainRouter(CamelContext ctx, PropertiesComponent pc) {
        String port = pc.resolveProperty("camel.server.port").orElse("8080").trim();
        String managementPort = pc.resolveProperty("camel.management.port").orElse("").trim();
        if (port.equals("8080") || port.equals("0") || managementPort.equals("8080")) {
            return; // the engine finds it already (or the name belongs to the management server)
        }
        String real = "platform-http-router-" + port;
        ctx.getRegistry().bind("platform-http-router-8080",
                org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter.class,
                () -> ctx.getRegistry().lookupByNameAndType(real,
                        org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter.class));
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
            pt.requestBodyAndHeaders("direct:sync-entity", null, Map.of("entity", entity, "trigger", trigger,
                    TableauDestination.DEFER, deferTableau, RunLedger.FULL_READ, full));
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
    public ConnectorSettings settings() { return settings; }
    @Override
    public Mappings mappings() { return mappings; }
    @Override
    public LandingDatabase landing() { return landing; }
    public Sandbox sandbox() { return sandbox; }
    public EntraTokenProvider tokens() { return tokens; }
    public FnoClient fno() { return fno; }
    @Override
    public DeadLetters deadLetters() { return deadLetters; }
    public PowerBiDestination powerBi() { return powerBi; }
    public PowerBiSettings powerBiSettings() { return powerBiSettings; }
    public DatabricksSettings databricksSettings() { return databricksSettings; }
    public DatabricksClient databricksClient() { return databricksClient; }
    @Override
    public com.mlconnector.state.TableLeases leases() { return leases; }
    public TableauDestination tableau() { return tableau; }
    public TableauWebhooks tableauWebhooks() { return tableauWebhooks; }
    public BusinessEventReceiver businessEvents() { return businessEvents; }
    public EventStore eventStore() { return eventStore; }
    public EventSettings eventSettings() { return eventSettings; }
    @Override
    public com.mlconnector.ops.Pauses pauses() { return pauses; }

    @Override
    public String fnoServiceRoot() { return fno.serviceRoot(); }

    @Override
    public boolean sandboxed() { return sandbox != null; }

    @Override
    public List<ReplayResult> replay(List<String> batchIds) throws Exception {
        return Replay.run(this, batchIds).stream().map(o -> new ReplayResult(o.batchId(), o.ok(), o.detail())).toList();
    }
    /** The mappings held against the tenant's $metadata. */
    public com.mlconnector.sync.MappingGate mappingGate() { return mappingGate; }
    public TableauSettings tableauSettings() { return tableauSettings; }

    @Override
    public void close() {
        try {
            main.stop();
        } catch (RuntimeException e) {
            LOG.warn("stopping Camel: {}", e.getMessage());
        }
        if (heartbeat != null) {
            heartbeat.close();
        }
        if (tableauSession != null) {
            tableauSession.close(); // signs out, freeing the token's one session
        }
        gauges.close();
        if (meters != null) {
            io.micrometer.core.instrument.Metrics.removeRegistry(meters);
        }
        operations.close();
        if (landing != null) {
            landing.close();
        }
        if (sandbox != null) {
            sandbox.close();
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
