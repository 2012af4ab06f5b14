package com.mlconnector.sync;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.support.ExpectedRows;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

/**
 * A seeded sequence of F&O changes (inserts, updates, deletes across legal entities) interleaved with syncs: after
 * every sync each landing table equals the source, row for row. The seed is printed so a failure can be replayed.
 */
class RandomizedSyncTest {
    private static final List<String> COMPANIES = List.of("usmf", "demf", "gbsi");

    @Test
    void landingEqualsTheSourceAfterEverySync() throws Exception {
        long seed = Long.getLong("randomized.seed", 20261123L);
        System.out.println("RandomizedSyncTest seed=" + seed + " (rerun with -Drandomized.seed=" + seed + ")");
        Random r = new Random(seed);
        Properties p = TestConnector.defaults();
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "6000");
        p.setProperty("sandbox.fno.page-size", "700");
        p.setProperty("sync.batch-size", "500");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            for (int step = 0; step < 10; step++) {
                if (step > 0) {
                    mutate(rt, r);
                }
                for (String table : List.of("Vendors", "Customers", "GLEntries", "Invoices")) {
                    rt.syncNow(table, "test");
                    ExpectedRows.assertLandingEqualsSource(rt, table);
                }
            }
        }
    }

    /**
     * What a date window cannot see (documents updated long after their date, deleted, or entered with an old date) is
     * drift after an incremental run; `sync --once --full` makes the landing database and every destination equal the
     * source again.
     */
    @Test
    void aReconcileMakesEveryDestinationEqualTheSourceAfterChangesADateWindowMisses() throws Exception {
        long seed = Long.getLong("randomized.seed", 20261123L);
        Random r = new Random(seed);
        Properties p = TestConnector.defaults();
        p.setProperty("powerbi.enabled", "true");
        p.setProperty("databricks.enabled", "true");
        p.setProperty("databricks.job-id", "");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("Invoices", "test");
            int changes = 0;
            for (int c = 0; c < 30; c++) {
                long old = r.nextInt(3_000); // far older than the 30-day look-back
                switch (r.nextInt(3)) {
                    case 0 -> rt.sandbox().update("VendorInvoiceHeaders", old, Map.of("InvoiceDescription", "corrected " + c,
                            "ImportedAmount", BigDecimal.valueOf(r.nextInt(100_000), 2)));
                    case 1 -> rt.sandbox().delete("VendorInvoiceHeaders", old);
                    default -> rt.sandbox().insert("VendorInvoiceHeaders", Map.of("dataAreaId", company(r),
                            "InvoiceDate", rt.sandbox().value("VendorInvoiceHeaders", old, "InvoiceDate")));
                }
                changes++;
            }
            rt.syncNow("Invoices", "test");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ExpectedRows.assertLandingEqualsSource(rt, "Invoices"))
                    .as("the date window missed the " + changes + " changes of old documents").isInstanceOf(AssertionError.class);

            rt.syncNow("Invoices", "reconcile", false, true);
            ExpectedRows.assertLandingEqualsSource(rt, "Invoices");
            long source = rt.sandbox().rowCount("VendorInvoiceHeaders");
            org.assertj.core.api.Assertions.assertThat(rt.sandbox().databricks().query("SELECT COUNT(*) AS N FROM \"Invoices\"")
                    .get(0).get("N")).isEqualTo(source);
            org.assertj.core.api.Assertions.assertThat(rt.sandbox().databricks().query(
                    "SELECT COUNT(*) AS N FROM \"Invoices\" WHERE \"Description\" LIKE 'corrected %'").get(0).get("N"))
                    .isEqualTo(((Number) TestConnector.query(rt, "SELECT COUNT(*) AS N FROM \"Invoices\" WHERE \"Description\" LIKE 'corrected %'")
                            .get(0).get("N")).longValue());
            org.assertj.core.api.Assertions.assertThat(rt.sandbox().powerBi().dataset("ml-connector").table("Invoices").count())
                    .isEqualTo(source);
            // what the reconcile corrected is recorded per destination
            List<Map<String, Object>> reconcile = TestConnector.query(rt, "SELECT destination, answer FROM batch_audit "
                    + "WHERE target_table = 'Invoices' AND kind = 'RECONCILE' ORDER BY destination");
            org.assertj.core.api.Assertions.assertThat(reconcile).extracting(m -> m.get("DESTINATION"))
                    .containsExactly("databricks", "landing", "powerbi");
            org.assertj.core.api.Assertions.assertThat(reconcile).allSatisfy(m ->
                    org.assertj.core.api.Assertions.assertThat((String) m.get("ANSWER")).containsPattern("deleted [1-9]"));
            // and shown: the status page's reconcile table, and the metrics an alert can watch
            org.apache.camel.Exchange page = new org.apache.camel.support.DefaultExchange(rt.camelContext());
            new com.mlconnector.ops.StatusPage(rt).html(page);
            org.assertj.core.api.Assertions.assertThat(page.getMessage().getBody(String.class)).contains("<h2>Last reconcile</h2>")
                    .containsPattern("<td>Invoices</td><td>landing</td><td>[^<]+</td><td>inserted [0-9]+, updated [0-9]+, deleted [1-9]");
            io.micrometer.core.instrument.Counter deleted = io.micrometer.core.instrument.Metrics.globalRegistry
                    .find("mlconnector.reconcile.corrections").tag("table", "Invoices").tag("destination", "landing")
                    .tag("change", "deleted").counter();
            org.assertj.core.api.Assertions.assertThat(deleted).isNotNull();
            org.assertj.core.api.Assertions.assertThat(deleted.count()).isPositive();
        }
    }

    private static void mutate(ConnectorRuntime rt, Random r) {
        int changes = 1 + r.nextInt(25);
        for (int c = 0; c < changes; c++) {
            switch (r.nextInt(7)) {
                case 0 -> rt.sandbox().update("VendorsV2", r.nextInt(600), Map.of(
                        "VendorOrganizationName", "Renamed " + r.nextInt(1000) + (r.nextBoolean() ? " O'Hara" : " Øster"),
                        "CreditLimit", BigDecimal.valueOf(r.nextInt(1_000_000), 2)));
                case 1 -> rt.sandbox().delete("VendorsV2", r.nextInt(600));
                case 2 -> rt.sandbox().insert("VendorsV2", Map.of("dataAreaId", company(r)));
                case 3 -> rt.sandbox().update("CustomersV3", r.nextInt(900), Map.of("CustomerGroupId", "G" + r.nextInt(9),
                        "OnHoldStatus", List.of("No", "All", "Invoice").get(r.nextInt(3))));
                case 4 -> rt.sandbox().delete("CustomersV3", r.nextInt(900));
                case 5 -> rt.sandbox().insert("GeneralJournalAccountEntryBiEntities", Map.of(
                        "AccountingCurrencyAmount", BigDecimal.valueOf(r.nextInt(2_000_000) - 1_000_000, 2)));
                default -> {
                    // recent invoices (inside the look-back window) are edited, and new ones arrive
                    if (r.nextBoolean()) {
                        rt.sandbox().update("VendorInvoiceHeaders", 4_410 + r.nextInt(90), Map.of(
                                "InvoiceDescription", "edit " + r.nextInt(1000), "ImportedAmount", BigDecimal.valueOf(r.nextInt(100_000), 2)));
                    } else {
                        rt.sandbox().insert("VendorInvoiceHeaders", Map.of("dataAreaId", company(r)));
                    }
                }
            }
        }
    }

    private static String company(Random r) {
        return COMPANIES.get(r.nextInt(COMPANIES.size()));
    }
}
