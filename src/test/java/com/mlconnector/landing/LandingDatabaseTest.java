package com.mlconnector.landing;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.support.PostgresSchema;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The landing database for real: H2 always; PostgreSQL when the build runs with -Ppostgres (CI does), which sets
 * landing.test.postgres.url. Each PostgreSQL run works in a schema of its own and drops it afterwards.
 */
class LandingDatabaseTest {

    @TempDir
    Path temp;

    /** A landing URL for the kind of database, and a way to drop what the test made. */
    private record Target(String url, AutoCloseable cleanup) {
    }

    private Target target(String kind) throws Exception {
        if (kind.equals("h2")) {
            return new Target("jdbc:h2:file:" + temp.resolve("landing").toAbsolutePath(), () -> { });
        }
        PostgresSchema pg = PostgresSchema.create();
        return new Target(pg.url(), pg);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void entitiesLandTypedAndARerunUpsertsInPlace(String kind) throws Exception {
        Target t = target(kind);
        try (AutoCloseable cleanup = t.cleanup()) {
            Properties p = TestConnector.defaults();
            p.setProperty("sandbox.landing.jdbc-url", t.url());
            p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "12000");
            try (ConnectorRuntime rt = TestConnector.start(p)) {
                assertThat(rt.landing().dialect()).isEqualTo(kind.equals("h2") ? LandingDialect.H2 : LandingDialect.POSTGRESQL);
                for (String e : List.of("GLEntries", "Vendors", "Invoices")) {
                    rt.syncNow(e, "test");
                    rt.syncNow(e, "test");
                }
                assertThat(TestConnector.count(rt, "GLEntries")).isEqualTo(12_000);
                assertThat(TestConnector.count(rt, "Vendors")).isEqualTo(600);
                assertThat(TestConnector.count(rt, "Invoices")).isEqualTo(4_500);

                Map<String, Object> gl = TestConnector.query(rt,
                        "SELECT * FROM \"GLEntries\" WHERE \"EntryRecId\" = 5637144586").get(0);
                assertThat(((Number) gl.get("EntryRecId")).longValue()).isEqualTo(5637144586L);
                assertThat((BigDecimal) gl.get("AmountAccounting")).isEqualByComparingTo(
                        (BigDecimal) rt.sandbox().value("GeneralJournalAccountEntryBiEntities", 10, "AccountingCurrencyAmount"));
                assertThat(gl.get("IsCredit")).isInstanceOf(Boolean.class);
                String ledger = (String) rt.sandbox().value("GeneralJournalAccountEntryBiEntities", 10, "LedgerAccount");
                assertThat(gl.get("LedgerAccount")).isEqualTo(ledger);
                assertThat(gl.get("CostCenter")).isEqualTo(ledger.split("-")[2]);
                assertThat(gl.get("MainAccount")).isEqualTo(ledger.split("-")[0]); // the main account is the first segment

                // the second run of each entity found nothing changed and sent nothing
                List<Map<String, Object>> runs = TestConnector.runs(rt, "GLEntries");
                assertThat(runs).hasSize(2).allSatisfy(r -> assertThat(r.get("STATUS")).isEqualTo("SUCCEEDED"));
                assertThat(((Number) runs.get(0).get("ROWS_WRITTEN")).longValue()).isEqualTo(12_000L);
                assertThat(((Number) runs.get(1).get("ROWS_WRITTEN")).longValue()).isZero();
                assertThat(((Number) TestConnector.runs(rt, "Vendors").get(1).get("ROWS_UNCHANGED")).longValue()).isEqualTo(600L);

                // a vendor gone from F&O is deleted (the keys a full read saw are kept in the state database, not the heap)
                rt.sandbox().delete("VendorsV2", 7);
                rt.syncNow("Vendors", "test");
                assertThat(TestConnector.count(rt, "Vendors")).isEqualTo(599);
                assertThat(((Number) TestConnector.runs(rt, "Vendors").get(2).get("ROWS_DELETED")).longValue()).isEqualTo(1L);
                assertThat(TestConnector.query(rt, "SELECT COUNT(*) AS N FROM seen_key").get(0).get("N")).as("seen keys forgotten")
                        .isIn(0, 0L);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aMappingThatGainsAColumnWidensTheExistingTable(String kind) throws Exception {
        Target t = target(kind);
        try (AutoCloseable cleanup = t.cleanup()) {
            Path mappings = Files.createDirectories(temp.resolve("mappings-" + kind));
            Path vendors = mappings.resolve("vendors.yaml");
            String original = Files.readString(Path.of("mappings/vendors.yaml"));
            Files.writeString(vendors, original);
            Properties p = TestConnector.defaults();
            p.setProperty("sandbox.landing.jdbc-url", t.url());
            p.setProperty("connector.mappings-dir", mappings.toAbsolutePath().toString());
            try (ConnectorRuntime rt = TestConnector.start(p)) {
                rt.syncNow("Vendors", "test");
            }
            Files.writeString(vendors, original.replace("columns:\n",
                    "columns:\n  - { name: TaxExemptNumber, source: TaxExemptNumber, type: string }\n"));
            try (ConnectorRuntime rt = TestConnector.start(p)) {
                rt.syncNow("Vendors", "test");
                Map<String, Object> v = TestConnector.query(rt,
                        "SELECT * FROM \"Vendors\" WHERE \"VendorAccount\" = 'V-000001' AND \"Company\" = 'usmf'").get(0);
                assertThat(v).containsKey("TaxExemptNumber");
                assertThat(v.get("TaxExemptNumber")).isEqualTo(rt.sandbox().value("VendorsV2", 0, "TaxExemptNumber"));
                assertThat(TestConnector.count(rt, "Vendors")).isEqualTo(600);
            }
        }
    }

    /**
     * H2 keeps a commit in memory up to WRITE_DELAY (500 ms by default) before it reaches the file: the connector opens
     * an H2 file with WRITE_DELAY=0, so what it committed survives the process (CrashAtMomentsTest kills it for real),
     * and refuses a URL that asks for a delay.
     */
    @org.junit.jupiter.api.Test
    void anH2FileIsOpenedSoThatACommitIsInTheFileWhenItReturns() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("sandbox.landing.jdbc-url", "jdbc:h2:file:" + temp.resolve("durable").toAbsolutePath());
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            assertThat(TestConnector.query(rt, "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'"))
                    .isNotEmpty().extracting(r -> r.get("SETTING_VALUE")).containsOnly("0");
        }
        p.setProperty("sandbox.landing.jdbc-url", "jdbc:h2:file:" + temp.resolve("delayed").toAbsolutePath() + ";WRITE_DELAY=500");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestConnector.start(p).close())
                .isInstanceOf(com.mlconnector.config.ConfigException.class)
                .hasMessageContaining("landing.jdbc-url sets WRITE_DELAY=500");
    }
}
