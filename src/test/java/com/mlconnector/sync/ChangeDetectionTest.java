package com.mlconnector.sync;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** Only what changed is sent; deletes are found where the strategy can tell; watermarks move with confirmations. */
class ChangeDetectionTest {

    private static Map<String, Object> lastRun(ConnectorRuntime rt, String table) throws Exception {
        List<Map<String, Object>> runs = TestConnector.runs(rt, table);
        return runs.get(runs.size() - 1);
    }

    private static long n(Map<String, Object> run, String column) {
        return ((Number) run.get(column)).longValue();
    }

    @Test
    void aSnapshotSendsOnlyInsertsUpdatesAndDeletes() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(TestConnector.defaults())) {
            rt.syncNow("Vendors", "test");
            assertThat(n(lastRun(rt, "Vendors"), "ROWS_WRITTEN")).isEqualTo(600);

            rt.syncNow("Vendors", "test");
            assertThat(lastRun(rt, "Vendors")).containsEntry("STATUS", "SUCCEEDED");
            assertThat(n(lastRun(rt, "Vendors"), "ROWS_WRITTEN")).isZero();
            assertThat(n(lastRun(rt, "Vendors"), "ROWS_UNCHANGED")).isEqualTo(600);

            rt.sandbox().update("VendorsV2", 5, Map.of("VendorOrganizationName", "Renamed Ltd"));
            rt.sandbox().update("VendorsV2", 450, Map.of("CreditLimit", new BigDecimal("12345.67")));
            rt.sandbox().delete("VendorsV2", 7);
            rt.sandbox().insert("VendorsV2", Map.of("dataAreaId", "demf", "VendorAccountNumber", "V-NEW-1",
                    "VendorOrganizationName", "D'Artagnan GmbH"));
            rt.syncNow("Vendors", "test");
            Map<String, Object> run = lastRun(rt, "Vendors");
            assertThat(n(run, "ROWS_WRITTEN")).isEqualTo(3); // 2 updates + 1 insert
            assertThat(n(run, "ROWS_DELETED")).isEqualTo(1);
            assertThat(n(run, "ROWS_UNCHANGED")).isEqualTo(597);

            assertThat(TestConnector.count(rt, "Vendors")).isEqualTo(600);
            assertThat(TestConnector.query(rt, "SELECT \"VendorName\" FROM \"Vendors\" WHERE \"VendorAccount\" = 'V-000006' AND \"Company\" = 'usmf'"))
                    .extracting(r -> r.get("VendorName")).containsExactly("Renamed Ltd");
            assertThat(TestConnector.query(rt, "SELECT * FROM \"Vendors\" WHERE \"VendorAccount\" = 'V-000008' AND \"Company\" = 'usmf'")).isEmpty();
            assertThat(TestConnector.query(rt, "SELECT \"VendorName\" FROM \"Vendors\" WHERE \"VendorAccount\" = 'V-NEW-1'"))
                    .extracting(r -> r.get("VendorName")).containsExactly("D'Artagnan GmbH");
            // the audit trail has the batches, with key ranges and content hashes
            assertThat(TestConnector.query(rt, "SELECT kind, row_count, key_first, status FROM batch_audit WHERE run_id = '"
                    + run.get("RUN_ID") + "' ORDER BY sequence_no")).extracting(r -> r.get("KIND") + ":" + r.get("ROW_COUNT") + ":" + r.get("KEY_FIRST"))
                    .containsExactly("UPSERT:3:usmf|V-000006", "DELETE:1:usmf|V-000008");
        }
    }

    @Test
    void narrowingTheLegalEntitiesDeletesNothingOfTheOthers() throws Exception {
        Properties p = TestConnector.defaults();
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("Vendors", "test");
        }
        // same landing database, now reading only usmf
        p.setProperty("d365.legal-entities", "usmf");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("Vendors", "test");
            assertThat(n(lastRun(rt, "Vendors"), "ROWS_DELETED")).isZero();
            assertThat(TestConnector.count(rt, "Vendors")).isEqualTo(600);
        }
    }

    @Test
    void aGrowingKeyReadsOnlyAboveTheWatermarkMinusTheOverlap() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "20000");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("GLEntries", "test");
            long mark = 5_637_144_576L + 19_999;
            assertThat(TestConnector.query(rt, "SELECT mark_value FROM watermark WHERE target_table = 'GLEntries'"))
                    .extracting(r -> ((Number) r.get("MARK_VALUE")).longValue()).containsExactly(mark);

            for (int i = 0; i < 5; i++) {
                rt.sandbox().insert("GeneralJournalAccountEntryBiEntities", Map.of("Text", "late posting " + i));
            }
            rt.syncNow("GLEntries", "test");
            Map<String, Object> run = lastRun(rt, "GLEntries");
            assertThat(n(run, "ROWS_READ")).isEqualTo(1000 + 5);    // the overlap and the new entries, nothing older
            assertThat(n(run, "ROWS_WRITTEN")).isEqualTo(5);
            assertThat(TestConnector.count(rt, "GLEntries")).isEqualTo(20_005);
            assertThat(rt.sandbox().fno().recentRequests()).last().asString()
                    .contains("SourceKey%20gt%20" + (mark - 1000)).contains("$orderby=SourceKey");
        }
    }

    @Test
    void aDateWindowCatchesLateEditsInsideTheLookBack() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(TestConnector.defaults())) {
            rt.syncNow("Invoices", "test");
            assertThat(n(lastRun(rt, "Invoices"), "ROWS_WRITTEN")).isEqualTo(4_500);
            // the newest invoice (last rows carry the latest dates) is edited; so is a very old one
            long newest = 4_499;
            OffsetDateTime newestDate = (OffsetDateTime) rt.sandbox().value("VendorInvoiceHeaders", newest, "InvoiceDate");
            assertThat(newestDate.getYear()).isGreaterThan(1900);
            rt.sandbox().update("VendorInvoiceHeaders", newest, Map.of("InvoiceDescription", "corrected"));
            rt.syncNow("Invoices", "test");
            Map<String, Object> run = lastRun(rt, "Invoices");
            assertThat(n(run, "ROWS_READ")).isLessThan(4_500);   // only the window
            assertThat(n(run, "ROWS_WRITTEN")).isEqualTo(1);
            assertThat(TestConnector.query(rt, "SELECT \"Description\" FROM \"Invoices\" WHERE \"Description\" = 'corrected'")).hasSize(1);
        }
    }

    @Test
    void whenOneDestinationIsBehindTheOthersStillRecogniseWhatTheyHold() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("powerbi.enabled", "true");
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "20000");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("GLEntries", "test");
            long posts = rt.sandbox().powerBi().rowPosts();
            // Power BI's watermark is gone (say a destination added later): the read starts from the beginning
            try (var c = rt.landing().dataSource().getConnection(); var st = c.createStatement()) {
                st.executeUpdate("DELETE FROM watermark WHERE destination = 'powerbi'");
            }
            rt.syncNow("GLEntries", "test");
            Map<String, Object> run = lastRun(rt, "GLEntries");
            assertThat(n(run, "ROWS_READ")).isEqualTo(20_000);              // a full read
            assertThat(n(run, "ROWS_WRITTEN")).as("the landing is ahead: nothing again").isZero();
            assertThat(rt.sandbox().powerBi().rowPosts()).as("nor Power BI").isEqualTo(posts);
            assertThat(rt.sandbox().powerBi().dataset("ml-connector").table("GLEntries").count()).isEqualTo(20_000);
        }
    }

    @Test
    void aModifiedSinceReadTakesUpdatesOfOldRowsAndNothingElse() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(TestConnector.defaults())) {
            rt.syncNow("PostedInvoices", "test");
            assertThat(TestConnector.count(rt, "PostedInvoices")).isEqualTo(3_000);
            // an old posted invoice is changed in F&O (settled, say): F&O stamps SysModifiedDateTime
            rt.sandbox().update("VendInvoiceJourBiEntities", 7, Map.of("Description", "changed long after posting"));
            rt.syncNow("PostedInvoices", "test");
            Map<String, Object> run = lastRun(rt, "PostedInvoices");
            assertThat(n(run, "ROWS_READ")).as("only what was modified since the watermark (minus the overlap)").isLessThan(100);
            assertThat(n(run, "ROWS_WRITTEN")).isEqualTo(1);
            assertThat(rt.sandbox().fno().recentRequests()).filteredOn(r -> r.startsWith("/data/VendInvoiceJourBiEntities"))
                    .last().asString().contains("SysModifiedDateTime%20ge%20");
            assertThat(TestConnector.query(rt, "SELECT \"Description\" FROM \"PostedInvoices\" WHERE \"InvoiceRecId\" = "
                    + rt.sandbox().value("VendInvoiceJourBiEntities", 7, "SourceKey"))).extracting(r -> r.get("Description"))
                    .containsExactly("changed long after posting");
        }
    }
}
