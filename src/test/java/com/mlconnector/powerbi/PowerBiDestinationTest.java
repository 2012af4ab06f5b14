package com.mlconnector.powerbi;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.config.ConfigException;
import com.mlconnector.sandbox.PowerBiEmulator;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** End to end against the sandbox Power BI: both modes, the repair path, limits, 401 and 429. */
class PowerBiDestinationTest {

    private static Properties powerBi() {
        Properties p = TestConnector.defaults();
        p.setProperty("powerbi.enabled", "true");
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "25000");
        return p;
    }

    @Test
    void aReplaceThrottledAtEveryStepIsRetriedAndLeavesTheWholeTable() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(powerBi())) {
            rt.syncNow("Vendors", "test"); // a replace table
            rt.sandbox().update("VendorsV2", 5, Map.of("VendorOrganizationName", "changed in F&O"));
            // the first request of each kind (datasets, delete rows, post rows) answers 429: every step is retried once
            rt.sandbox().powerBi().throttleEachStepOnce(true);
            rt.syncNow("Vendors", "test");
            rt.sandbox().powerBi().throttleEachStepOnce(false);
            assertThat(table(rt, "Vendors").count()).isEqualTo(600);
            assertThat(table(rt, "Vendors").rows()).filteredOn(r -> "changed in F&O".equals(r.get("VendorName"))).hasSize(1);
            assertThat(TestConnector.runs(rt, "Vendors")).allSatisfy(r -> assertThat(r).containsEntry("STATUS", "SUCCEEDED"));
            assertThat(TestConnector.query(rt, "SELECT * FROM pending_delivery")).as("no mark left: the table is not in doubt").isEmpty();
        }
    }

    @Test
    void rowsThatWouldPassAPushTablesRowCapAreStoppedBeforeItNamingTheAlternatives() throws Exception {
        Properties p = powerBi(); // 25,000 GL entries: three batches
        p.setProperty("powerbi.max-table-rows", "20000");
        p.setProperty("sandbox.powerbi.max-rows", "20000"); // Power BI's 5,000,000, scaled down
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            assertThatThrownBy(() -> rt.syncNow("GLEntries", "test")).hasStackTraceContaining("dead-lettered");
            assertThat(table(rt, "GLEntries").count()).as("two batches fit, the third would not").isEqualTo(20_000);
            assertThat(TestConnector.count(rt, "GLEntries")).as("the other destinations are not held back").isEqualTo(25_000);
            String why = (String) TestConnector.runs(rt, "GLEntries").get(0).get("ERROR_MESSAGE");
            assertThat(why).contains("powerbi: PowerBiRowCapException: Power BI table GLEntries would hold 25,000 rows")
                    .contains("powerbi.max-table-rows").contains("basicFIFO").contains("narrower mapping").contains("landing database");
            assertThat(rt.sandbox().powerBi().rateLimited()).isZero();

            // a replace that could not fit does not empty the table first
            Properties small = powerBi();
            small.setProperty("powerbi.max-table-rows", "500");
            try (ConnectorRuntime rt2 = TestConnector.start(small)) {
                assertThatThrownBy(() -> rt2.syncNow("Vendors", "test")).hasStackTraceContaining("Vendors would hold 600 rows");
                assertThat(rt2.sandbox().powerBi().dataset("ml-connector").table("Vendors").count()).isZero();
                assertThat(TestConnector.count(rt2, "Vendors")).isEqualTo(600);
            }
        }
    }

    @Test
    void deadLetteredBatchesAreReplayedByRebuildingTheTableOnceFromTheLandingDatabase() throws Exception {
        Properties p = powerBi(); // 25,000 GL entries: three batches
        p.setProperty("retry.max-attempts", "2");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.sandbox().powerBi().throttleNext(1_000_000); // Power BI answers 429 to everything
            assertThatThrownBy(() -> rt.syncNow("GLEntries", "test")).isNotNull();
            rt.sandbox().powerBi().throttleNext(0);
            assertThat(TestConnector.count(rt, "GLEntries")).as("the landing is not held back").isEqualTo(25_000);
            List<String> dead = TestConnector.query(rt, "SELECT batch_id FROM dead_letter WHERE destination = 'powerbi' "
                    + "AND replayed_at IS NULL ORDER BY created_at, batch_id").stream().map(r -> (String) r.get("BATCH_ID")).toList();
            assertThat(dead).hasSize(3);

            var outcomes = rt.replay(dead);
            assertThat(outcomes).allSatisfy(o -> assertThat(o.ok()).as(o.detail()).isTrue());
            assertThat(outcomes.get(0).detail()).isEqualTo("GLEntries replaced in Power BI from the landing database");
            assertThat(outcomes.subList(1, 3)).allSatisfy(o -> assertThat(o.detail()).isEqualTo("GLEntries was replaced in Power BI already"));
            assertThat(table(rt, "GLEntries").count()).as("the push table holds what the landing holds").isEqualTo(25_000);
            assertThat(TestConnector.query(rt, "SELECT * FROM dead_letter WHERE destination = 'powerbi' AND replayed_at IS NULL")).isEmpty();
            long posts = rt.sandbox().powerBi().rowPosts();
            assertThat(rt.replay(dead)).as("replayed again: answered, nothing posted")
                    .allSatisfy(o -> assertThat(o.detail()).isEqualTo("GLEntries was replaced in Power BI already"));
            assertThat(rt.sandbox().powerBi().rowPosts()).isEqualTo(posts);
        }
    }

    private static PowerBiEmulator.Table table(ConnectorRuntime rt, String name) {
        return rt.sandbox().powerBi().dataset("ml-connector").table(name);
    }

    private static List<Map<String, Object>> audit(ConnectorRuntime rt, String table, String kind) throws Exception {
        return TestConnector.query(rt, "SELECT * FROM batch_audit WHERE destination = 'powerbi' AND target_table = '"
                + table + "' AND kind = '" + kind + "'");
    }

    @Test
    void appendAndReplaceTablesMatchTheSourceAndAnUnchangedRunPostsNothing() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(powerBi())) {
            for (String t : List.of("GLEntries", "Invoices", "Vendors", "GLAccounts", "Customers")) {
                rt.syncNow(t, "test");
            }
            PowerBiEmulator pb = rt.sandbox().powerBi();
            assertThat(pb.dataset("ml-connector").table("Customers")).as("not a Power BI table").isNull();
            assertThat(table(rt, "GLEntries").count()).isEqualTo(25_000);
            assertThat(table(rt, "Invoices").count()).isEqualTo(4_500);
            assertThat(table(rt, "Vendors").count()).isEqualTo(600);
            assertThat(table(rt, "GLAccounts").count()).isEqualTo(150);
            assertThat(table(rt, "GLEntries").columns()).containsEntry("AmountAccounting", "Decimal")
                    .containsEntry("EntryRecId", "Int64").containsEntry("IsCredit", "Boolean")
                    .containsEntry("MainAccount", "String").hasSize(18);
            assertThat(table(rt, "Invoices").columns()).containsEntry("InvoiceDate", "Datetime");
            Map<String, Object> first = table(rt, "GLEntries").rows().get(0);
            assertThat(first.get("EntryRecId")).isEqualTo(5637144576L);
            assertThat((String) table(rt, "Invoices").rows().get(0).get("InvoiceDate")).endsWith("T00:00:00Z");
            assertThat(new BigDecimal(first.get("AmountAccounting").toString()).scale()).isLessThanOrEqualTo(4);
            assertThat(audit(rt, "GLEntries", "UPSERT")).hasSize(3).allSatisfy(a -> assertThat(a.get("STATUS")).isEqualTo("CONFIRMED"));
            assertThat(audit(rt, "Vendors", "REPLACE")).hasSize(1);

            long posts = pb.rowPosts();
            for (String t : List.of("GLEntries", "Invoices", "Vendors", "GLAccounts")) {
                rt.syncNow(t, "test");
            }
            assertThat(pb.rowPosts()).as("nothing changed, nothing posted").isEqualTo(posts);
            assertThat(pb.rateLimited()).isZero();
        }
    }

    @Test
    void anAppendTableGetsOnlyNewRowsAndIsReplacedWhenRowsChange() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(powerBi())) {
            rt.syncNow("GLEntries", "test");
            rt.syncNow("Invoices", "test");
            long posts = rt.sandbox().powerBi().rowPosts();

            rt.sandbox().insert("GeneralJournalAccountEntryBiEntities", Map.of("Text", "new entry"));
            rt.syncNow("GLEntries", "test");
            assertThat(rt.sandbox().powerBi().rowPosts()).isEqualTo(posts + 1);
            assertThat(table(rt, "GLEntries").count()).isEqualTo(25_001);
            assertThat(table(rt, "GLEntries").rows().get(25_000).get("Description")).isEqualTo("new entry");

            // an invoice edited in F&O: a push table cannot update a row, so the table is replaced, exactly
            rt.sandbox().update("VendorInvoiceHeaders", 4_499, Map.of("InvoiceDescription", "corrected"));
            rt.syncNow("Invoices", "test");
            assertThat(table(rt, "Invoices").count()).isEqualTo(4_500);
            assertThat(table(rt, "Invoices").rows()).filteredOn(r -> "corrected".equals(r.get("Description"))).hasSize(1);
            assertThat(audit(rt, "Invoices", "REPLACE")).hasSize(1);
        }
    }

    @Test
    void aReplaceTableFollowsDeletes() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(powerBi())) {
            rt.syncNow("Vendors", "test");
            rt.sandbox().delete("VendorsV2", 3);
            rt.sandbox().update("VendorsV2", 4, Map.of("VendorOrganizationName", "x".repeat(5_000)));
            rt.syncNow("Vendors", "test");
            assertThat(table(rt, "Vendors").count()).isEqualTo(599);
            assertThat(table(rt, "Vendors").rows()).filteredOn(r -> "V-000004".equals(r.get("VendorAccount"))).isEmpty();
            assertThat(table(rt, "Vendors").rows()).filteredOn(r -> "V-000005".equals(r.get("VendorAccount")))
                    .singleElement().satisfies(r -> assertThat((String) r.get("VendorName")).hasSize(4_000));
            assertThat(audit(rt, "Vendors", "REPLACE")).extracting(a -> (String) a.get("ANSWER"))
                    .anySatisfy(a -> assertThat(a).contains("1 strings cut to 4,000 characters"));
        }
    }

    @Test
    void aTableLeftInDoubtByACrashIsReplacedOnTheNextRun() throws Exception {
        Properties p = powerBi();
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("GLEntries", "test");
        }
        // as if the process had died between a POST and its confirmation: the mark stays behind
        p.setProperty("sandbox.landing.jdbc-url", p.getProperty("sandbox.landing.jdbc-url"));
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            new com.mlconnector.state.DeliveryState(rt.landing().dataSource(), rt.landing().dialect())
                    .markPending("crashed-batch", "GLEntries", "powerbi");
            rt.syncNow("GLEntries", "test"); // a new Power BI (the sandbox restarted): the replace makes it whole
            assertThat(table(rt, "GLEntries").count()).isEqualTo(25_000);
            assertThat(audit(rt, "GLEntries", "REPLACE")).hasSize(1);
            assertThat(TestConnector.query(rt, "SELECT * FROM pending_delivery")).isEmpty();
        }
    }

    @Test
    void throttlingAndExpiredTokensAreRetried() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(powerBi())) {
            rt.sandbox().powerBi().throttleNext(2);
            rt.syncNow("GLEntries", "test");
            assertThat(table(rt, "GLEntries").count()).isEqualTo(25_000);
            long tokens = rt.tokens().acquisitions();
            rt.sandbox().tokens().expireAll();
            rt.sandbox().insert("GeneralJournalAccountEntryBiEntities", Map.of());
            rt.syncNow("GLEntries", "test");
            assertThat(table(rt, "GLEntries").count()).isEqualTo(25_001);
            assertThat(rt.tokens().acquisitions()).isGreaterThanOrEqualTo(tokens + 2); // F&O's and Power BI's renewed
        }
    }

    @Test
    void aWorkspaceThePrincipalCannotReachIsExplained() throws Exception {
        Properties p = powerBi();
        p.setProperty("powerbi.workspace-id", "00000000-0000-0000-0000-000000000000");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            assertThatThrownBy(() -> rt.syncNow("Vendors", "test")).rootCause().isInstanceOf(ConfigException.class)
                    .hasMessageContaining("Allow service principals to use Power BI APIs")
                    .hasMessageContaining("Member or Contributor of the workspace");
            // the landing database got its rows all the same
            assertThat(TestConnector.count(rt, "Vendors")).isEqualTo(600);
        }
    }

    @Test
    void aModelIsRefreshedAfterDeliveryAndFollowedToItsEnd() throws Exception {
        Properties p = powerBi();
        String model = "8f7e6d5c-0000-4000-8000-00000000beef";
        p.setProperty("powerbi.refresh-dataset-id", model);
        p.setProperty("sandbox.time-scale", "20");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.sandbox().powerBi().addImportModel("Finance model", model);
            rt.syncNow("GLAccounts", "test");
            assertThat(audit(rt, "GLAccounts", "REFRESH")).singleElement()
                    .satisfies(a -> assertThat(a).containsEntry("STATUS", "CONFIRMED"));
        }
    }

    @Test
    void tooManyTablesAreRefusedAtStartUp() {
        Properties p = powerBi();
        p.setProperty("powerbi.tables", String.join(",", java.util.Collections.nCopies(76, "Vendors")));
        assertThatThrownBy(() -> TestConnector.start(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("powerbi.tables names 76 tables; a Power BI dataset holds at most 75");
    }
}
