package com.mlconnector.sandbox;

import com.mlconnector.http.PacingClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The emulated systems the connector runs against when no {@code d365.url} is configured: Entra ID and F&O, on
 * loopback over HTTPS. Settings come from {@code sandbox.*} properties (see README).
 */
public final class Sandbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
    public static final String TENANT = "sandbox-tenant";
    public static final String CLIENT_ID = "sandbox-client";
    /** Not a secret: it only opens the in-process emulator, and is never used against a real tenant. */
    public static final String CLIENT_SECRET = "sandbox-secret";
    public static final String DATABRICKS_CLIENT = "sandbox-databricks-sp";
    public static final String DATABRICKS_WAREHOUSE = "sandbox-warehouse";
    public static final long DATABRICKS_JOB = 7001;
    public static final String TABLEAU_PAT_NAME = "ml-connector-sandbox";
    /** Not a secret either: the sandbox Tableau's personal access token. */
    public static final String TABLEAU_PAT_SECRET = "sandbox-pat-secret";
    public static final String TABLEAU_SITE = "finance";
    /** How the sandbox Power BI names the sandbox's landing database (a partition's server and database) and its read account. */
    public static final String LANDING_SERVER = "sandbox-landing:5432";
    public static final String LANDING_DATABASE = "landing";
    public static final String LANDING_READER = "powerbi_reader";
    /** The sandbox's published data source over the landing database. */
    public static final String TABLEAU_DATASOURCE = "4f9a3c1e-7d2b-4e8a-9c61-5b0d2e7f8a10";
    public static final List<String> COMPANIES = List.of("usmf", "demf", "gbsi");

    /** Default sizes: small enough to sync in seconds, wide enough to page and batch. */
    private static final Map<String, Long> DEFAULT_ROWS = Map.ofEntries(
            Map.entry("VendorsV2", 600L), Map.entry("CustomersV3", 900L), Map.entry("MainAccounts", 150L),
            Map.entry("PurchaseOrderHeadersV2", 6_000L), Map.entry("PurchaseOrderLinesV2", 12_000L),
            Map.entry("ReleasedProductsV2", 1_500L), Map.entry("VendorInvoiceHeaders", 4_500L),
            Map.entry("VendorInvoiceLines", 13_500L), Map.entry("ProductsV2", 500L),
            Map.entry("GeneralJournalAccountEntryBiEntities", 60_000L), Map.entry("GeneralJournalEntryBiEntities", 15_000L),
            Map.entry("VendInvoiceJourBiEntities", 3_000L), Map.entry("VendInvoiceTransBiEntities", 9_000L));

    /** The sandbox Power BI workspace (a group id, as Power BI's are). */
    public static final String WORKSPACE = "5a4d1b7e-0000-4000-8000-00000000cafe";

    private final SandboxTokens tokens;
    private final EntraEmulator entra;
    private final FnoEmulator fno;
    private final PowerBiEmulator powerBi;
    private final FabricEmulator fabric;
    private final DatabricksEmulator databricks;
    private final TableauEmulator tableau;
    private final BusinessEventPublisher businessEvents = new BusinessEventPublisher();
    private final Map<String, FnoDataSet> data;
    private final FnoCatalog catalog;
    private final PacingClock clock;
    private final double timeScale;

    private Sandbox(SandboxTokens tokens, EntraEmulator entra, FnoEmulator fno, PowerBiEmulator powerBi, FabricEmulator fabric,
                    DatabricksEmulator databricks, TableauEmulator tableau, FnoCatalog catalog, Map<String, FnoDataSet> data,
                    PacingClock clock, double timeScale) {
        this.catalog = catalog;
        this.tokens = tokens;
        this.entra = entra;
        this.fno = fno;
        this.powerBi = powerBi;
        this.fabric = fabric;
        this.databricks = databricks;
        this.tableau = tableau;
        this.data = data;
        this.clock = clock;
        this.timeScale = timeScale;
    }

    /**
     * Starts the emulators.
     *
     * @param setting looks up a {@code sandbox.*} property; returns null when it is not set
     */
    public static Sandbox start(Function<String, String> setting) {
        long seed = Long.parseLong(or(setting, "sandbox.seed", "42"));
        FnoCatalog catalog = FnoCatalog.load();
        Map<String, FnoDataSet> data = new LinkedHashMap<>();
        for (FnoCatalog.Entity e : catalog.entities()) {
            long rows = Long.parseLong(or(setting, "sandbox.fno.rows." + e.name(),
                    String.valueOf(DEFAULT_ROWS.getOrDefault(e.name(), 1000L))));
            data.put(e.name(), new FnoDataSet(e, COMPANIES, rows, seed));
        }
        SandboxTokens tokens = new SandboxTokens(Clock.systemUTC());
        EntraEmulator entra = new EntraEmulator(Integer.parseInt(or(setting, "sandbox.entra.port", "0")), TENANT, tokens,
                Long.parseLong(or(setting, "sandbox.entra.token-lifetime-seconds", "3599")));
        entra.registerClient(CLIENT_ID, CLIENT_SECRET);
        FnoEmulator fno = new FnoEmulator(Integer.parseInt(or(setting, "sandbox.fno.port", "0")), tokens, catalog, data,
                Integer.parseInt(or(setting, "sandbox.fno.page-size", "10000")),
                Double.parseDouble(or(setting, "sandbox.fno.throttle-share", "0.02")),
                Integer.parseInt(or(setting, "sandbox.fno.retry-after-seconds", "1")), seed);
        fno.setPageDelayMillis(Long.parseLong(or(setting, "sandbox.fno.page-delay-ms", "0")));
        fno.setRowDelayMicros(Long.parseLong(or(setting, "sandbox.fno.row-delay-micros", "0")));
        entra.registerAudience(fno.baseUrl());
        double scale = Double.parseDouble(or(setting, "sandbox.time-scale", "1"));
        PacingClock clock = PacingClock.scaled(scale);
        PowerBiEmulator.Limits pb = PowerBiEmulator.Limits.powerBi();
        PowerBiEmulator powerBi = new PowerBiEmulator(Integer.parseInt(or(setting, "sandbox.powerbi.port", "0")), tokens,
                WORKSPACE, clock, new PowerBiEmulator.Limits(pb.rowsPerPost(),
                Integer.parseInt(or(setting, "sandbox.powerbi.posts-per-minute", String.valueOf(pb.postsPerMinute()))),
                Long.parseLong(or(setting, "sandbox.powerbi.rows-per-hour", String.valueOf(pb.rowsPerHour()))),
                pb.postsPerHourLargeTable(), pb.largeTableRows(), pb.pendingPosts(), pb.fifoRows(),
                Long.parseLong(or(setting, "sandbox.powerbi.max-rows", String.valueOf(pb.maxRowsNoRetention())))),
                Boolean.parseBoolean(or(setting, "sandbox.powerbi.keep-rows", "true")));
        entra.registerAudience(PowerBiEmulator.AUDIENCE);
        // the Fabric items API (semantic models in TMDL): another host and another token audience than Power BI's
        FabricEmulator fabric = new FabricEmulator(Integer.parseInt(or(setting, "sandbox.fabric.port", "0")), tokens, WORKSPACE, powerBi);
        entra.registerAudience(FabricEmulator.AUDIENCE);
        DatabricksEmulator databricks = new DatabricksEmulator(Integer.parseInt(or(setting, "sandbox.databricks.port", "0")),
                tokens, DATABRICKS_CLIENT, CLIENT_SECRET, DATABRICKS_WAREHOUSE, "main", "finance",
                warehouse(or(setting, "sandbox.databricks.engine", H2Warehouse.class.getName()), "main", "finance"));
        TableauEmulator tableau = new TableauEmulator(Integer.parseInt(or(setting, "sandbox.tableau.port", "0")),
                TABLEAU_PAT_NAME, TABLEAU_PAT_SECRET, TABLEAU_SITE,
                Duration.ofMinutes(Long.parseLong(or(setting, "sandbox.tableau.session-idle-minutes", "240"))),
                Duration.ofMillis((long) (Double.parseDouble(or(setting, "sandbox.tableau.job-seconds", "2")) * 1000)));
        tableau.addDatasource(TABLEAU_DATASOURCE, "Finance landing (sandbox)");
        LOG.info("Sandbox started: Entra ID at {}, F&O at {} ({} legal entities, {} entities), Power BI at {} (Fabric at {}), "
                        + "Databricks at {}, Tableau at {}{}", entra.baseUrl(), fno.baseUrl(), COMPANIES.size(), data.size(), powerBi.apiUrl(),
                fabric.apiUrl(),
                databricks.baseUrl(), tableau.baseUrl(), scale == 1 ? "" : " (time runs " + scale + "x)");
        return new Sandbox(tokens, entra, fno, powerBi, fabric, databricks, tableau, catalog, data, clock, scale);
    }

    /** The CSDL $metadata of every entity of the published reference, as the sandbox F&O serves it (for WireMock fakes). */
    public static String referenceMetadata() {
        return FnoCatalog.load().metadata();
    }

    /**
     * What runs the emulated warehouse's statements: the sandbox's H2 translation, or (tests) a class implementing
     * {@link DatabricksWarehouse} with a constructor taking the schema, such as the Spark SQL + Delta Lake engine.
     */
    private static DatabricksWarehouse warehouse(String className, String catalog, String schema) {
        if (className.equals(H2Warehouse.class.getName())) {
            return new H2Warehouse(catalog + "." + schema);
        }
        try {
            return (DatabricksWarehouse) Class.forName(className).getConstructor(String.class).newInstance(schema);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalArgumentException("sandbox.databricks.engine=" + className + ": not a DatabricksWarehouse", e);
        }
    }

    private static String or(Function<String, String> setting, String key, String fallback) {
        String v = setting.apply(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    public String fnoUrl() { return fno.baseUrl(); }
    public String authorityHost() { return entra.baseUrl(); }
    public FnoEmulator fno() { return fno; }
    public PowerBiEmulator powerBi() { return powerBi; }
    public FabricEmulator fabric() { return fabric; }
    public DatabricksEmulator databricks() { return databricks; }
    public TableauEmulator tableau() { return tableau; }
    /** F&O's business events, raised by {@link #update} and {@link #insert}. */
    public BusinessEventPublisher businessEvents() { return businessEvents; }
    /** The sandbox's time (scaled by sandbox.time-scale), shared with the connector's pacing. */
    public PacingClock clock() { return clock; }
    public double timeScale() { return timeScale; }
    public EntraEmulator entra() { return entra; }
    public SandboxTokens tokens() { return tokens; }

    /** Rows of an entity as the sandbox F&O holds them now (deleted ones excluded). */
    public long rowCount(String entity) {
        FnoDataSet set = data.get(entity);
        long n = 0;
        for (long i = 0; i < set.size(); i++) {
            if (!set.isDeleted(i)) {
                n++;
            }
        }
        return n;
    }

    /** One property of one row, as F&O would send it (tests compare landed rows with it). */
    public Object value(String entity, long index, String property) {
        FnoDataSet set = data.get(entity);
        return set.value(index, set.entity().property(property));
    }

    /** Indexes of the rows an entity holds now (deleted ones left out), for tests that compare with what landed. */
    public java.util.stream.LongStream liveRows(String entity) {
        FnoDataSet set = data.get(entity);
        return java.util.stream.LongStream.range(0, set.size()).filter(i -> !set.isDeleted(i));
    }

    /** F&O no longer has the property (as after an update of the tenant): $metadata and $select stop knowing it. */
    public void withdrawProperty(String entity, String property) {
        catalog.withdraw(entity, property);
    }

    public void update(String entity, long index, Map<String, Object> values) {
        data.get(entity).update(index, values);
        businessEvents.changed(data.get(entity), index);
    }

    public void delete(String entity, long index) {
        data.get(entity).delete(index);
    }

    /**
     * A pending vendor invoice is posted: it leaves VendorInvoiceHeaders (the posted invoice lives in the journal
     * entities) and F&O raises VendorInvoicePostedBusinessEvent for it.
     */
    public void postInvoice(long index) {
        FnoDataSet pending = data.get("VendorInvoiceHeaders");
        // posting journals the invoice: it appears in the invoice journal (VendInvoiceJourBiEntities) under the same
        // legal entity, invoice number and invoice account, and leaves the pending documents
        FnoDataSet journal = data.get("VendInvoiceJourBiEntities");
        Map<String, Object> posted = new java.util.HashMap<>();
        posted.put("dataAreaId", pending.value(index, pending.entity().property("dataAreaId")));
        posted.put("InvoiceId", pending.value(index, pending.entity().property("InvoiceNumber")));
        posted.put("InvoiceAccount", pending.value(index, pending.entity().property("InvoiceAccount")));
        journal.insert(posted);
        pending.delete(index);
        businessEvents.changed(pending, index);
    }

    public long insert(String entity, Map<String, Object> values) {
        long index = data.get(entity).insert(values);
        businessEvents.changed(data.get(entity), index);
        return index;
    }

    @Override
    public void close() {
        businessEvents.close();
        tableau.close();
        databricks.close();
        fabric.close();
        powerBi.close();
        fno.close();
        entra.close();
    }
}
