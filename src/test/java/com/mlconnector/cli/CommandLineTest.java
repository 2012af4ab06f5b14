package com.mlconnector.cli;

import com.mlconnector.config.Secrets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands as an engineer runs them, from a folder of their own with application.properties, routes/, mappings/. */
class CommandLineTest {
    @TempDir
    Path dir;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void lay() throws IOException {
        copy(Path.of("routes"), dir.resolve("routes"));
        copy(Path.of("mappings"), dir.resolve("mappings"));
        copy(Path.of("events"), dir.resolve("events"));
        properties("");
    }

    private void properties(String extra) throws IOException {
        Files.writeString(dir.resolve("application.properties"), String.join("\n",
                "sandbox.landing.jdbc-url=jdbc:h2:file:" + dir.resolve("data/landing").toAbsolutePath(),
                "sandbox.fno.throttle-share=0",
                "sandbox.fno.rows.GeneralJournalAccountEntryBiEntities=3000",
                "retry.initial-backoff-ms=10", extra, ""));
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private int run(String... args) {
        CommandLine cmd = new CommandLine(new ConnectorCommand()).setExecutionExceptionHandler(new FailureHandler());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        String[] all = Stream.concat(Stream.of(args), Stream.of("--dir", dir.toString())).toArray(String[]::new);
        return cmd.execute(all);
    }

    /** COUNT(*) of the connector's own tables (unquoted), with an optional WHERE. */
    private long count(String fromWhere) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("data/landing").toAbsolutePath());
             ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM " + fromWhere)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long landed(String table) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("data/landing").toAbsolutePath());
             ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM \"" + table + "\"")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void syncOnceRunsTheNamedEntitiesAndExitsZero() throws Exception {
        assertThat(run("sync", "--once", "--entity", "Vendors", "GeneralJournalAccountEntryBiEntities")).isZero();
        assertThat(out.toString()).contains("all 2 entities succeeded");
        assertThat(landed("Vendors")).isEqualTo(600);
        assertThat(landed("GLEntries")).isEqualTo(3000);
        // both tables feed the sandbox's Tableau data source: one extract refresh after both landed, not one each
        assertThat(count("batch_audit WHERE destination = 'tableau' AND kind = 'REFRESH' AND status = 'CONFIRMED'")).isEqualTo(1);
        assertThat(count("tableau_refresh_owed")).isZero();
    }

    @Test
    void aFullSyncReconcilesAndStatusShowsWhatItCorrected() throws Exception {
        assertThat(run("sync", "--once", "--entity", "Invoices")).isZero();
        // a row F&O no longer has, and a changed one, that the date window would never look at again
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("data/landing").toAbsolutePath())) {
            c.createStatement().executeUpdate("INSERT INTO \"Invoices\" (\"Company\", \"HeaderReference\") VALUES ('usmf', 'GONE-1')");
            c.createStatement().executeUpdate("INSERT INTO delivered_key (target_table, destination, key_text, row_hash, scope_value) "
                    + "VALUES ('Invoices', 'landing', 'usmf' || CHAR(31) || 'GONE-1', 1, 1)");
        }
        assertThat(run("sync", "--once", "--full", "--entity", "Invoices")).isZero();
        assertThat(landed("Invoices")).isEqualTo(4500);
        out.getBuffer().setLength(0);
        run("status");
        assertThat(out.toString()).contains("Last reconcile (sync --once --full)").containsPattern("Invoices +landing .*deleted 1,");
    }

    @Test
    void statusShowsEveryDestinationTheExtractsAndTheBusinessEvents() throws Exception {
        assertThat(run("sync", "--once", "--entity", "GLAccounts")).isZero();
        out.getBuffer().setLength(0);
        assertThat(run("status")).isZero();
        assertThat(out.toString()).contains("GLAccounts").contains("landing").contains("powerbi").contains("databricks")
                .contains("Tableau data source 4f9a3c1e-7d2b-4e8a-9c61-5b0d2e7f8a10: last refresh CONFIRMED")
                .contains("extract up to date").contains("Business events: 0 read, 0 waiting to be read, 0 failed");
    }

    @Test
    void statusListsADestinationAddedByOneLineWithItsRouteFile() throws Exception {
        Files.copy(Path.of("src/test/resources/destinations/folder.yaml"), dir.resolve("routes/folder.yaml"));
        properties("destinations=com.mlconnector.destination.FolderDestination\nfolder.path=" + dir.resolve("out")
                + "\nfolder.tables=GLAccounts");
        assertThat(run("sync", "--once", "--entity", "GLAccounts", "Vendors")).isZero();
        out.getBuffer().setLength(0);
        assertThat(run("status")).isZero();
        assertThat(out.toString()).containsPattern("GLAccounts +folder ").doesNotContainPattern("Vendors +folder ");
    }

    @Test
    void syncOnceExitsOneWhenAnyEntityFailsAndStillRunsTheOthers() throws Exception {
        Path vendors = dir.resolve("mappings/vendors.yaml");
        Files.writeString(vendors, Files.readString(vendors).replace("source: VendorGroupId", "source: VendorGroupIdentifier"));
        assertThat(run("sync", "--once", "--entity", "Vendors", "Products")).isEqualTo(1);
        assertThat(err.toString()).contains("1 of 2 entities failed: [VendorsV2]");
        assertThat(landed("Products")).isEqualTo(500);
    }

    @Test
    void badConfigurationStopsStartUpNamingTheProperty() throws Exception {
        properties("sync.batch-size=0");
        assertThat(run("sync", "--once")).isEqualTo(2);
        assertThat(err.toString()).contains("Configuration error: sync.batch-size must be between 1 and 10000");
    }

    @Test
    void aBrokenMappingStopsStartUpNamingTheFileAndField() throws Exception {
        Path products = dir.resolve("mappings/products.yaml");
        Files.writeString(products, Files.readString(products).replace("type: enum", "type: enumeration"));
        assertThat(run("sync", "--once")).isEqualTo(2);
        assertThat(err.toString()).contains("products.yaml columns[4].type: unknown type 'enumeration'");
    }

    @Test
    void anUnknownEntityIsNamed() {
        assertThat(run("sync", "--once", "--entity", "Nope")).isEqualTo(2);
        assertThat(err.toString()).contains("--entity: no mapping for entity 'Nope'");
    }

    @Test
    void checkPassesAgainstTheSandboxAndNamesWhatFails() throws Exception {
        assertThat(run("check")).isZero();
        assertThat(out.toString()).contains("OK    Entra ID token for F&O").contains("OK    F&O $metadata")
                .contains("OK    F&O entity GeneralJournalAccountEntryBiEntities").contains("OK    Landing database writable")
                .contains("OK    Power BI workspace").contains("OK    Databricks warehouse")
                .contains("OK    Tableau sign-in").contains("OK    Tableau data source 4f9a3c1e-7d2b-4e8a-9c61-5b0d2e7f8a10: 'Finance landing (sandbox)'")
                .contains("OK    Mapping Products (mappings/products.yaml) against $metadata of ProductsV2")
                .contains("OK    Mapping GLEntries (mappings/gl-entries.yaml) against $metadata of GeneralJournalAccountEntryBiEntities: "
                        + "14 properties, key and types match; the other source of GLEntries, GeneralJournalAccountEntries "
                        + "(mappings/gl-entries-data-entity.yaml), is not published by this tenant")
                .contains("OK    Databricks staging volume /Volumes/main/finance/staging (bulk path for runs of 50,000 rows or more): exists")
                .contains("All 32 checks passed.");

        Path vendors = dir.resolve("mappings/vendors.yaml");
        Files.writeString(vendors, Files.readString(vendors).replace("source: VendorGroupId", "source: VendorGroupIdentifier"));
        out.getBuffer().setLength(0);
        assertThat(run("check")).isEqualTo(1);
        assertThat(out.toString()).contains("FAIL  Mapping Vendors (mappings/vendors.yaml) against $metadata of VendorsV2: "
                        + "Vendors (mappings/vendors.yaml): VendorsV2 has no property VendorGroupIdentifier (column VendorGroup); "
                        + "did you mean VendorGroupId?")
                .contains("FAIL  F&O entity VendorsV2").contains("HTTP 400")
                .contains("2 of 32 checks failed.");

        // the data entity chosen for GLEntries where the tenant publishes only the BI entity: check says how to switch
        Files.writeString(vendors, Files.readString(vendors).replace("source: VendorGroupIdentifier", "source: VendorGroupId"));
        properties("mapping.GLEntries=GeneralJournalAccountEntries");
        out.getBuffer().setLength(0);
        assertThat(run("check")).isEqualTo(1);
        assertThat(out.toString()).contains("FAIL  Mapping GLEntries (mappings/gl-entries-data-entity.yaml) against $metadata of "
                        + "GeneralJournalAccountEntries: GLEntries (mappings/gl-entries-data-entity.yaml): F&O publishes no entity set "
                        + "GeneralJournalAccountEntries")
                .contains("this tenant publishes GeneralJournalAccountEntryBiEntities instead (mappings/gl-entries.yaml): "
                        + "set mapping.GLEntries=GeneralJournalAccountEntryBiEntities");

        // a staging volume that does not exist: named, with what to create and grant
        properties("databricks.volume=nosuchvolume");
        out.getBuffer().setLength(0);
        assertThat(run("check")).isEqualTo(1);
        assertThat(out.toString()).contains("FAIL  Databricks staging volume /Volumes/main/finance/nosuchvolume")
                .contains("CREATE VOLUME main.finance.nosuchvolume").contains("READ VOLUME, WRITE VOLUME")
                .contains("1 of 32 checks failed.");
    }

    @Test
    void withD365UrlLostTheSandboxNeverWritesIntoAConfiguredDatabase() throws Exception {
        // an operator's configuration whose D365_URL did not arrive: a real landing database and live destinations
        Path real = dir.resolve("real/landing");
        String realUrl = "jdbc:h2:file:" + real.toAbsolutePath();
        for (String live : List.of("landing.jdbc-url=" + realUrl, "powerbi.workspace-id=5a4d1b7e-0000-4000-8000-000000000001",
                "databricks.host=https://adb-1.azuredatabricks.net", "tableau.server-url=https://tableau.example.com",
                "events.secret=0123456789abcdef0123")) {
            properties(live);
            err.getBuffer().setLength(0);
            assertThat(run("sync", "--once", "--entity", "Vendors")).as(live).isEqualTo(2);
            String key = live.substring(0, live.indexOf('='));
            assertThat(err.toString()).as(live).contains("d365.url is empty").contains(key).contains("--sandbox")
                    .doesNotContain("0123456789abcdef0123");
        }
        assertThat(Files.exists(dir.resolve("real"))).as("nothing was written to the real database").isFalse();

        // on purpose: --sandbox runs, into the sandbox's own database, never the configured one
        properties("landing.jdbc-url=" + realUrl);
        assertThat(run("sync", "--once", "--sandbox", "--entity", "Vendors")).isZero();
        assertThat(landed("Vendors")).isEqualTo(600);
        assertThat(Files.exists(dir.resolve("real"))).isFalse();
    }

    @Test
    void encryptNeedsTheMasterPasswordFromTheEnvironment() {
        if (System.getenv(Secrets.MASTER_PASSWORD_ENV) != null) {
            return; // this machine has one set: the refusal cannot be shown here
        }
        assertThat(run("encrypt", "--value", "x")).isEqualTo(2);
        assertThat(err.toString()).contains(Secrets.MASTER_PASSWORD_ENV + " is not set");
    }

    /**
     * A port the service listens on that another process holds stops start-up (exit 2) naming the property and the
     * port; Camel's Vert.x server would only have warned and the service run on without health, metrics and Jolokia
     * (or without the status page and webhooks).
     */
    @Test
    void theServiceStopsAtStartUpWhenAPortItListensOnIsTaken() throws Exception {
        for (String property : List.of("camel.management.port", "camel.server.port")) {
            try (java.net.ServerSocket held = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
                properties(String.join("\n", "camel.server.port=0", "camel.management.port=0", property + "=" + held.getLocalPort(),
                        "powerbi.enabled=false", "databricks.enabled=false", "tableau.enabled=false", "events.enabled=false"));
                int code = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> run());
                assertThat(code).as(property + " taken; err: " + err).isEqualTo(2);
                assertThat(err.toString()).contains(property + "=" + held.getLocalPort()).contains("127.0.0.1:" + held.getLocalPort());
            }
        }
    }
}
