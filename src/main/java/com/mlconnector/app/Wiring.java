package com.mlconnector.app;

import com.mlconnector.config.ConnectorSettings;
import com.mlconnector.destination.AddedDestinations;
import com.mlconnector.destination.Destination;
import com.mlconnector.destination.DestinationContext;
import com.mlconnector.destination.DestinationRegistry;
import com.mlconnector.entra.EntraTokenProvider;
import com.mlconnector.fno.FnoClient;
import com.mlconnector.http.ConnectorTls;
import com.mlconnector.landing.LandingDatabase;
import com.mlconnector.landing.LandingWriter;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.MappingLoader;
import com.mlconnector.http.PacingClock;
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
import org.apache.camel.CamelContext;
import org.apache.camel.component.properties.PropertiesComponent;
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
 * What the connector is made of, made once Camel has loaded the properties (so environment variables and system
 * properties override the file, and {@code ENC(…)} values are decrypted) and before routes start: the sandbox when
 * no F&O is configured, the state and landing database, the F&O client, every destination, and the beans the routes
 * call, bound by the names the YAML uses.
 */
final class Wiring {
    private static final Logger LOG = LoggerFactory.getLogger(Wiring.class);

    private final RuntimeOptions options;
    private final ConnectorRuntime runtime;
    // what is made, in the order it is made: what was made before a failure is still closed by the runtime
    ConnectorSettings settings;
    Sandbox sandbox;
    LandingDatabase landing;
    Mappings mappings;
    EntraTokenProvider tokens;
    FnoClient fno;
    DeadLetters deadLetters;
    com.mlconnector.ops.Pauses pauses;
    BuiltInDestinations builtIn;
    /** Every destination, declared once (switched on or not, which entities it takes). */
    DestinationRegistry destinations;
    com.mlconnector.state.TableLeases leases;
    com.mlconnector.sync.FollowUps followUps;
    NodeHeartbeat heartbeat;
    EventSettings eventSettings;
    BusinessEventReceiver businessEvents;
    EventStore eventStore;
    com.mlconnector.sync.MappingGate mappingGate;

    Wiring(RuntimeOptions options, ConnectorRuntime runtime) {
        this.options = options;
        this.runtime = runtime;
    }

    /** Runs inside Camel Main's configuration step: properties are loaded, routes not yet started. */
    void build(CamelContext ctx) throws Exception {
        PropertiesComponent pc = (PropertiesComponent) ctx.getPropertiesComponent();
        Function<String, String> props = ConfiguredProperties.of(pc, options.masterPassword());

        ConnectorSettings configured = ConnectorSettings.from(props);
        ListenPorts.check(props); // a port that cannot be bound stops start-up (Camel's server would only warn)
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
        leases = new com.mlconnector.state.TableLeases(landing.dataSource(), com.mlconnector.state.Nodes.newIdentity(),
                java.time.Duration.ofSeconds(settings.leaseSeconds));
        // the follow-ups after the runs that landed rows (Databricks' Job, a Power BI model's refresh): the service asks
        // them once per window from its timer route; a one-off process at the end of a run or of a sync --once
        followUps = new com.mlconnector.sync.FollowUps(new com.mlconnector.state.FollowUpsOwed(landing.dataSource()), leases,
                options.schedules());
        builtIn = new BuiltInDestinations(new BuiltInDestinations.Needs(ctx, effective, settings,
                sandbox != null, ssl, tokens, mappings, state, landing, deadLetters, clock, retryPolicy, followUps));
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
        beans.put("followUps", followUps);
        mappingGate = new com.mlconnector.sync.MappingGate(new com.mlconnector.fno.TenantMetadata(fno,
                files.stream().map(EntityMapping::entitySet).toList()));
        beans.put("mappingCheck", mappingGate);
        beans.put("fnoPages", new FnoPages(fno, settings, mappingGate));
        beans.put("landing", options.sink() != null ? options.sink() : writer);
        beans.put("delivery", recorder);
        beans.put("landingWriter", writer);
        beans.put("deliveryRecorder", recorder);
        beans.put("pauses", pauses);
        beans.put("statusPage", new com.mlconnector.ops.StatusPage(runtime));
        beans.put("catchUp", new CatchUp(runtime));
        for (Destination d : added) {
            // bound under its name for its route file: a name the routes already use for another bean would swap one
            if (beans.containsKey(d.name())) {
                throw new com.mlconnector.config.ConfigException(AddedDestinations.PROPERTY + ": " + d.getClass().getName()
                        + " is named '" + d.name() + "', which the routes use for another bean; choose another name");
            }
            beans.put(d.name(), d);
        }
        beans.putAll(options.beans());
        Registry registry = ctx.getRegistry();
        beans.forEach(registry::bind);
        aliasMainRouter(ctx, pc);
        LOG.info("Connector configured: {} entities mapped ({}), landing database {}", loaded.size(),
                loaded.stream().map(EntityMapping::table).toList(), ConnectorRuntime.redactJdbc(settings.landingJdbcUrl));
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

}
