package com.mlconnector.app;

import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** End to end against the sandbox: every mapped entity lands in full, typed, and a re-run duplicates nothing. */
class SandboxSyncTest {

    @Test
    void everyMappedEntityLandsInFullAndARerunDuplicatesNothing() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("sandbox.fno.page-size", "700");   // pages and batches do not line up
        p.setProperty("sync.batch-size", "1000");
        p.setProperty("d365.read-partitions", "1"); // one chain: exact page and batch counts (PartitionedReadTest splits)
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            for (EntityMapping m : rt.mappings().all()) {
                rt.syncNow(m.entitySet(), "test");
            }
            for (EntityMapping m : rt.mappings().all()) {
                assertThat(TestConnector.count(rt, m.table())).as(m.table())
                        .isEqualTo(rt.sandbox().rowCount(m.entitySet()));
            }
            List<Map<String, Object>> glRuns = TestConnector.runs(rt, "GLEntries");
            assertThat(glRuns).hasSize(1);
            assertThat(glRuns.get(0)).containsEntry("STATUS", "SUCCEEDED").containsEntry("ROWS_WRITTEN", 60_000L)
                    .containsEntry("ROWS_TOTAL", 60_000L).containsEntry("BATCHES", 60).containsEntry("PAGES", 86);

            rt.syncNow("GLEntries", "test");
            assertThat(TestConnector.count(rt, "GLEntries")).isEqualTo(60_000L);
            assertThat(TestConnector.runs(rt, "GLEntries")).hasSize(2)
                    .allSatisfy(r -> assertThat(r).containsEntry("STATUS", "SUCCEEDED"));
        }
    }

    @Test
    void valuesLandTypedAsF_O_sentThem() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(TestConnector.defaults())) {
            rt.syncNow("VendorsV2", "test");
            rt.syncNow("PurchaseOrderHeadersV2", "test");
            rt.syncNow("MainAccounts", "test");

            // vendor 9 (index 8) of usmf: compare every kind of value with what the emulator holds
            Map<String, Object> v = TestConnector.query(rt,
                    "SELECT * FROM \"Vendors\" WHERE \"Company\" = 'usmf' AND \"VendorAccount\" = 'V-000009'").get(0);
            assertThat(v.get("VendorName")).isEqualTo(rt.sandbox().value("VendorsV2", 8, "VendorOrganizationName"));
            assertThat(v.get("OnHoldStatus")).isEqualTo(rt.sandbox().value("VendorsV2", 8, "OnHoldStatus"));
            assertThat((BigDecimal) v.get("CreditLimit"))
                    .isEqualByComparingTo((BigDecimal) rt.sandbox().value("VendorsV2", 8, "CreditLimit"));
            String dims = (String) rt.sandbox().value("VendorsV2", 8, "DefaultLedgerDimensionDisplayValue");
            assertThat(v.get("DefaultDimensions")).isEqualTo(dims);
            String[] seg = dims.split("-");
            assertThat(List.of(v.get("BusinessUnit"), v.get("CostCenter"), v.get("Department")))
                    .containsExactly(seg[0], seg[1], seg[2]);

            // names with quotes and non-ASCII letters arrive unchanged
            assertThat(TestConnector.query(rt, "SELECT \"VendorName\" FROM \"Vendors\" WHERE \"VendorName\" LIKE 'O''Brien%'"))
                    .isNotEmpty();
            assertThat(TestConnector.query(rt, "SELECT \"VendorName\" FROM \"Vendors\" WHERE \"VendorName\" LIKE '東京商事%'"))
                    .isNotEmpty();

            // dates: F&O's empty date lands as null, others as the date
            for (int i = 0; i < 50; i++) {
                Object sent = rt.sandbox().value("PurchaseOrderHeadersV2", i, "RequestedDeliveryDate");
                String po = String.format("PO-%07d", i + 1);
                String company = (String) rt.sandbox().value("PurchaseOrderHeadersV2", i, "dataAreaId");
                Object landed = TestConnector.query(rt, "SELECT \"RequestedDeliveryDate\" FROM \"PurchaseOrders\" WHERE \"PurchaseOrderNumber\" = '"
                        + po + "' AND \"Company\" = '" + company + "'").get(0).get("RequestedDeliveryDate");
                OffsetDateTime t = (OffsetDateTime) sent;
                if (t.getYear() == 1900) {
                    assertThat(landed).as(po).isNull();
                } else {
                    assertThat(((java.sql.Date) landed).toLocalDate()).as(po)
                            .isEqualTo(t.atZoneSameInstant(ZoneOffset.UTC).toLocalDate());
                }
            }
            assertThat(TestConnector.query(rt, "SELECT COUNT(*) AS N FROM \"PurchaseOrders\" WHERE \"RequestedDeliveryDate\" IS NULL")
                    .get(0).get("N")).isNotEqualTo(0L);

            // NoYes enums mapped as boolean land as booleans
            Object suspended = rt.sandbox().value("MainAccounts", 3, "IsSuspended");
            Map<String, Object> acct = TestConnector.query(rt, "SELECT * FROM \"GLAccounts\" WHERE \"MainAccountId\" = '100030'").get(0);
            assertThat(acct.get("IsSuspended")).isEqualTo("Yes".equals(suspended));
            assertThat(acct.get("ChartOfAccounts")).isEqualTo("Shared");
        }
    }

    @Test
    void legalEntitiesNarrowTheReadCaseInsensitively() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("d365.legal-entities", "USMF, gbsi");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("Vendors", "test");
            rt.syncNow("Products", "test");
            List<Map<String, Object>> companies = TestConnector.query(rt,
                    "SELECT \"Company\", COUNT(*) AS N FROM \"Vendors\" GROUP BY \"Company\" ORDER BY \"Company\"");
            assertThat(companies).extracting(r -> r.get("Company")).containsExactly("gbsi", "usmf");
            assertThat(companies).extracting(r -> r.get("N")).containsExactly(200L, 200L);
            // products are shared (no dataAreaId): no company filter applies
            assertThat(TestConnector.count(rt, "Products")).isEqualTo(rt.sandbox().rowCount("ProductsV2"));
            // each legal entity is its own chain of pages, read at once with the other's
            List<String> vendorReads = rt.sandbox().fno().recentRequests().stream().filter(r -> r.contains("/VendorsV2?")).toList();
            assertThat(vendorReads).allSatisfy(r -> assertThat(r).contains("cross-company=true").doesNotContain("%20or%20"));
            assertThat(vendorReads).anySatisfy(r -> assertThat(r).contains("dataAreaId%20eq%20%27usmf%27"));
            assertThat(vendorReads).anySatisfy(r -> assertThat(r).contains("dataAreaId%20eq%20%27gbsi%27"));
        }
    }

    @Test
    void withoutCrossCompanyOnlyTheDefaultCompanyIsRead() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("d365.cross-company", "false");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("Vendors", "test");
            assertThat(TestConnector.query(rt, "SELECT DISTINCT \"Company\" FROM \"Vendors\""))
                    .extracting(r -> r.get("Company")).containsExactly("usmf");
        }
    }

    @Test
    void throttledRequestsAreRetriedAndNothingIsLost() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("sandbox.fno.throttle-share", "0.4");
        p.setProperty("sandbox.fno.page-size", "2000");
        p.setProperty("sandbox.fno.retry-after-seconds", "0");
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "30000");
        p.setProperty("retry.max-attempts", "30");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("GLEntries", "test");
            assertThat(rt.sandbox().fno().throttledRequests()).isPositive();
            assertThat(TestConnector.count(rt, "GLEntries")).isEqualTo(30_000L);
        }
    }
}
