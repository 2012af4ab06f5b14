package com.mlconnector.app;

import com.mlconnector.fno.MappingMismatchException;
import com.mlconnector.ops.StatusReport;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The shipped mappings read the properties a real tenant has. Each expectation names the real F&O property it comes
 * from (shared/reference/fno-entities.json), never the mapping under test: the value landed in a column equals the
 * value the sandbox F&O holds in that property.
 */
class RealMappingsTest {

    private static Map<String, Object> landed(ConnectorRuntime rt, String sql) throws Exception {
        List<Map<String, Object>> rows = TestConnector.query(rt, sql);
        assertThat(rows).as(sql).hasSize(1);
        return rows.get(0);
    }

    private static Object date(Object fno) {
        OffsetDateTime t = (OffsetDateTime) fno;
        return t.getYear() == 1900 ? null : t.atZoneSameInstant(ZoneOffset.UTC).toLocalDate();
    }

    private static Object landedDate(Object v) {
        return v instanceof java.sql.Date d ? d.toLocalDate() : v;
    }

    @Test
    void pendingAndPostedInvoicesProductsAndLedgerEntriesLandFromTheirRealProperties() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "2000");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            for (String table : List.of("Invoices", "InvoiceLines", "Products", "PostedInvoices", "PostedInvoiceLines", "GLEntries",
                    "GLJournalEntries")) {
                rt.syncNow(table, "test");
            }
            var sb = rt.sandbox();
            assertThat(TestConnector.count(rt, "Invoices")).isEqualTo(sb.rowCount("VendorInvoiceHeaders"));
            assertThat(TestConnector.count(rt, "InvoiceLines")).isEqualTo(sb.rowCount("VendorInvoiceLines"));
            assertThat(TestConnector.count(rt, "PostedInvoices")).isEqualTo(sb.rowCount("VendInvoiceJourBiEntities"));
            assertThat(TestConnector.count(rt, "PostedInvoiceLines")).isEqualTo(sb.rowCount("VendInvoiceTransBiEntities"));
            assertThat(TestConnector.count(rt, "GLEntries")).isEqualTo(2000);

            for (long i : new long[] {0, 7, 4_499}) {
                Map<String, Object> inv = landed(rt, "SELECT * FROM \"Invoices\" WHERE \"Company\" = '" + sb.value("VendorInvoiceHeaders", i, "dataAreaId")
                        + "' AND \"HeaderReference\" = '" + sb.value("VendorInvoiceHeaders", i, "HeaderReference") + "'");
                assertThat(landedDate(inv.get("PostingDate"))).isEqualTo(date(sb.value("VendorInvoiceHeaders", i, "Date")));
                assertThat(inv.get("DefaultDimensions")).isEqualTo(sb.value("VendorInvoiceHeaders", i, "DimensionDisplayValue"));
                assertThat(inv.get("ReviewStatus")).isEqualTo(sb.value("VendorInvoiceHeaders", i, "VendorInvoiceReviewStatus"));
                assertThat(inv.get("IsApproved")).isEqualTo("Yes".equals(sb.value("VendorInvoiceHeaders", i, "IsApproved")));
            }
            for (long i : new long[] {0, 1, 2, 13_499}) {
                BigDecimal lineNumber = (BigDecimal) sb.value("VendorInvoiceLines", i, "InvoiceLineNumber");
                Map<String, Object> line = landed(rt, "SELECT * FROM \"InvoiceLines\" WHERE \"Company\" = '"
                        + sb.value("VendorInvoiceLines", i, "dataAreaId") + "' AND \"HeaderReference\" = '"
                        + sb.value("VendorInvoiceLines", i, "HeaderReference") + "' AND \"LineNumber\" = " + lineNumber.toPlainString());
                assertThat((BigDecimal) line.get("LineNumber")).isEqualByComparingTo(lineNumber);
                assertThat(line.get("Description")).isEqualTo(sb.value("VendorInvoiceLines", i, "LineDescription"));
                assertThat((BigDecimal) line.get("LineAmount")).isEqualByComparingTo((BigDecimal) sb.value("VendorInvoiceLines", i, "NetAmount"));
            }
            for (long i : new long[] {0, 499}) {
                Map<String, Object> product = landed(rt, "SELECT * FROM \"Products\" WHERE \"ProductNumber\" = '"
                        + sb.value("ProductsV2", i, "ProductNumber") + "'");
                assertThat(product.get("Category")).isEqualTo(sb.value("ProductsV2", i, "RetailProductCategoryName"));
            }
            for (long i : new long[] {0, 2_999}) {
                Map<String, Object> posted = landed(rt, "SELECT * FROM \"PostedInvoices\" WHERE \"Company\" = '"
                        + sb.value("VendInvoiceJourBiEntities", i, "dataAreaId") + "' AND \"InvoiceRecId\" = "
                        + sb.value("VendInvoiceJourBiEntities", i, "SourceKey"));
                assertThat(posted.get("InvoiceNumber")).isEqualTo(sb.value("VendInvoiceJourBiEntities", i, "InvoiceId"));
                assertThat((BigDecimal) posted.get("Amount")).isEqualByComparingTo((BigDecimal) sb.value("VendInvoiceJourBiEntities", i, "InvoiceAmount"));
            }
            Map<String, Object> entry = landed(rt, "SELECT * FROM \"GLEntries\" WHERE \"EntryRecId\" = "
                    + sb.value("GeneralJournalAccountEntryBiEntities", 1_234, "SourceKey"));
            assertThat(entry.get("JournalEntryRecId")).isEqualTo(sb.value("GeneralJournalAccountEntryBiEntities", 1_234, "GeneralJournalEntry"));
            assertThat(entry.get("Description")).isEqualTo(sb.value("GeneralJournalAccountEntryBiEntities", 1_234, "Text"));
            // the entry's journal entry (company, accounting date) is in GLJournalEntries
            assertThat(TestConnector.query(rt, "SELECT * FROM \"GLJournalEntries\" WHERE \"JournalEntryRecId\" = " + entry.get("JournalEntryRecId")))
                    .hasSize(1);
        }
    }

    @Test
    void aPropertyF_O_NoLongerHasFailsTheRunSayingSoAndTheNextRunReadsTheMetadataAgain() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(TestConnector.defaults())) {
            rt.syncNow("Products", "test");
            assertThat(rt.sandbox().fno().metadataRequests()).isEqualTo(1);

            // an update of the tenant removes the property; the mapping was checked before, so the read asks for it
            rt.sandbox().withdrawProperty("ProductsV2", "RetailProductCategoryName");
            assertThatThrownBy(() -> rt.syncNow("Products", "test")).hasRootCauseInstanceOf(org.apache.camel.http.base.HttpOperationFailedException.class)
                    .hasStackTraceContaining("MappingMismatchException");
            String drift = "F&O no longer has RetailProductCategoryName on ProductsV2 (mappings/products.yaml)";
            Map<String, Object> failed = TestConnector.runs(rt, "Products").get(1);
            assertThat(failed).containsEntry("STATUS", "FAILED");
            assertThat((String) failed.get("ERROR_MESSAGE")).contains(drift);
            List<StatusReport.Line> status = StatusReport.of(rt.landing().dataSource(), List.of(rt.mappings().get("Products")), "landing");
            assertThat(status).singleElement().satisfies(line -> assertThat(line.lastError()).contains(drift));
            assertThat(StatusReport.render(status)).contains("F&O no longer has RetailProductCategoryName");
            assertThat(new com.mlconnector.ops.StatusPage(rt).grid()).filteredOn(c -> c.table().equals("Products"))
                    .allSatisfy(c -> assertThat(c.reason()).contains(drift));

            // the next run reads $metadata again and names the property before asking for a page
            assertThatThrownBy(() -> rt.syncNow("Products", "test")).hasRootCauseInstanceOf(MappingMismatchException.class);
            assertThat((String) TestConnector.runs(rt, "Products").get(2).get("ERROR_MESSAGE"))
                    .contains("ProductsV2 has no property RetailProductCategoryName (column Category)");
            assertThat(rt.sandbox().fno().metadataRequests()).isEqualTo(2);
        }
    }
}
