package com.mlconnector.events;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.sandbox.Sandbox;
import com.mlconnector.support.LogCapture;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static com.mlconnector.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * F&O business events end to end: the sandbox F&O posts an event when its data changes, the connector stores it,
 * acknowledges, and reads the record back into every destination; duplicates, bursts, restarts and forgeries.
 */
class BusinessEventsTest {
    private static final String SECRET = "events-secret-0123456789abcdef";

    @TempDir
    Path temp;

    private static Properties events() {
        Properties p = TestConnector.defaults();
        p.setProperty("events.enabled", "true");
        p.setProperty("events.secret", SECRET);
        p.setProperty("events.coalesce-ms", "300");
        return p;
    }


    private static Object landed(ConnectorRuntime rt, String sql) {
        try {
            List<Map<String, Object>> rows = TestConnector.query(rt, sql);
            return rows.isEmpty() ? null : rows.get(0).values().iterator().next();
        } catch (Exception e) {
            return null; // the table may not exist yet
        }
    }

    private static HttpResponse<String> post(ConnectorRuntime rt, String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rt.httpPort() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String event(String eventId, long controlNumber, String purchaseOrder) {
        return "{\"BusinessEventId\":\"PurchaseOrderConfirmedBusinessEvent\",\"BusinessEventLegalEntity\":\"USMF\","
                + "\"ControlNumber\":" + controlNumber + ",\"EventId\":\"" + eventId + "\",\"EventTime\":\"/Date(1700000000000)/\","
                + "\"MajorVersion\":0,\"MinorVersion\":0,\"PurchaseOrderNumber\":\"" + purchaseOrder.replace("\"", "\\\"") + "\"}";
    }

    @Test
    void anEventBecomesTheRecordInTheLandingDatabaseWithTheEventInTheAuditTrail() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(events())) {
            rt.syncNow("Invoices", "test"); // the scheduled read has loaded the table
            long runs = TestConnector.runs(rt, "Invoices").size();
            // someone posts an invoice in F&O: the sandbox raises VendorInvoicePostedBusinessEvent
            rt.sandbox().update("VendorInvoiceHeaders", 42, Map.of("VendorName", "Posted just now"));
            String key = (String) rt.sandbox().value("VendorInvoiceHeaders", 42, "HeaderReference");
            until(() -> "Posted just now".equals(landed(rt, "SELECT \"VendorName\" FROM \"Invoices\" WHERE \"HeaderReference\" = '"
                    + key + "'")), 15_000, "the posted invoice landed");

            until(() -> "READ".equals(landed(rt, "SELECT status FROM business_event")), 10_000, "the event was marked read");
            List<Map<String, Object>> stored = TestConnector.query(rt, "SELECT event_id, status, run_id, target_table FROM business_event");
            assertThat(stored).singleElement().satisfies(e -> {
                assertThat(e.get("STATUS")).isEqualTo("READ");
                assertThat(e.get("TARGET_TABLE")).isEqualTo("Invoices,PostedInvoices"); // the event's two reads
            });
            String eventId = (String) stored.get(0).get("EVENT_ID");
            Object readRun = TestConnector.query(rt, "SELECT run_id FROM business_event_read WHERE target_table = 'Invoices'").get(0).get("RUN_ID");
            List<Map<String, Object>> eventRuns = TestConnector.query(rt, "SELECT * FROM connector_run WHERE trigger_kind = 'event' "
                    + "AND target_table = 'Invoices'");
            assertThat(eventRuns).singleElement().satisfies(r -> {
                assertThat(r.get("RUN_ID")).isEqualTo(readRun);
                assertThat(r.get("STATUS")).isEqualTo("SUCCEEDED");
                assertThat((Long) r.get("ROWS_READ")).as("a targeted read, not the whole entity").isLessThan(20);
            });
            assertThat(TestConnector.query(rt, "SELECT answer FROM batch_audit WHERE run_id = '" + eventRuns.get(0).get("RUN_ID") + "'"))
                    .singleElement().satisfies(a -> assertThat((String) a.get("ANSWER")).contains("events: " + eventId));
            assertThat(TestConnector.runs(rt, "Invoices")).hasSize((int) runs + 1);
            // the scheduled read afterwards finds the record as the event left it: nothing to send
            rt.syncNow("Invoices", "test");
            List<Map<String, Object>> all = TestConnector.runs(rt, "Invoices");
            assertThat(all.get(all.size() - 1)).containsEntry("ROWS_WRITTEN", 0L);
        }
    }

    @Test
    void anInvoicePostedLeavesThePendingInvoicesOfEveryDestination() throws Exception {
        Properties p = events();
        p.setProperty("databricks.enabled", "true");
        p.setProperty("databricks.job-id", "");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("Invoices", "test");
            String key = (String) rt.sandbox().value("VendorInvoiceHeaders", 42, "HeaderReference");
            String company = (String) rt.sandbox().value("VendorInvoiceHeaders", 42, "dataAreaId");
            String where = " FROM \"Invoices\" WHERE \"Company\" = '" + company + "' AND \"HeaderReference\" = '" + key + "'";
            assertThat(landed(rt, "SELECT COUNT(*)" + where)).isEqualTo(1L);
            String invoice = (String) rt.sandbox().value("VendorInvoiceHeaders", 42, "InvoiceNumber");
            String account = (String) rt.sandbox().value("VendorInvoiceHeaders", 42, "InvoiceAccount");
            String posted = " FROM \"PostedInvoices\" WHERE \"Company\" = '" + company + "' AND \"InvoiceNumber\" = '" + invoice
                    + "' AND \"VendorAccount\" = '" + account + "'";
            assertThat(landed(rt, "SELECT COUNT(*)" + posted)).isEqualTo(0L);
            // posted in F&O: the invoice leaves the pending entity and enters the invoice journal, and F&O says so with
            // VendorInvoicePostedBusinessEvent, which leads to two reads
            rt.sandbox().postInvoice(42);
            until(() -> Long.valueOf(0).equals(landed(rt, "SELECT COUNT(*)" + where)), 15_000, "the pending invoice left the landing table");
            until(() -> Long.valueOf(1).equals(landed(rt, "SELECT COUNT(*)" + posted)), 15_000, "the posted invoice landed");
            until(() -> "READ".equals(landed(rt, "SELECT status FROM business_event")), 10_000, "the event was read");
            assertThat(TestConnector.query(rt, "SELECT target_table, status FROM business_event_read ORDER BY target_table"))
                    .extracting(r -> r.get("TARGET_TABLE") + " " + r.get("STATUS")).containsExactly("Invoices READ", "PostedInvoices READ");
            assertThat(rt.sandbox().databricks().query("SELECT COUNT(*) AS N" + where).get(0).get("N")).isEqualTo(0L);
            assertThat(rt.sandbox().databricks().query("SELECT COUNT(*) AS N" + posted).get(0).get("N")).isEqualTo(1L);
            assertThat(TestConnector.count(rt, "Invoices")).isEqualTo(rt.sandbox().rowCount("VendorInvoiceHeaders"));
            assertThat(TestConnector.query(rt, "SELECT * FROM connector_run WHERE trigger_kind = 'event' ORDER BY target_table"))
                    .satisfiesExactly(
                            r -> assertThat(r).containsEntry("TARGET_TABLE", "Invoices").containsEntry("STATUS", "SUCCEEDED")
                                    .containsEntry("ROWS_DELETED", 2L),
                            r -> assertThat(r).containsEntry("TARGET_TABLE", "PostedInvoices").containsEntry("STATUS", "SUCCEEDED")
                                    .containsEntry("ROWS_WRITTEN", 1L));
        }
    }

    @Test
    void eventReadsLeaveTheTableauRefreshToTheIntervalRoute() throws Exception {
        Properties p = events();
        p.setProperty("tableau.enabled", "true");
        p.setProperty("tableau.poll-initial-seconds", "0.2");
        p.setProperty("sandbox.tableau.job-seconds", "1");
        p.setProperty("tableau.refresh-interval-seconds", "2");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("Invoices", "test"); // a scheduled-style run refreshes at its end
            assertThat(rt.sandbox().tableau().refreshRequests()).isEqualTo(1);
            rt.sandbox().update("VendorInvoiceHeaders", 8, Map.of("VendorName", "Posted, extract to follow"));
            String key = (String) rt.sandbox().value("VendorInvoiceHeaders", 8, "HeaderReference");
            until(() -> "Posted, extract to follow".equals(landed(rt, "SELECT \"VendorName\" FROM \"Invoices\" WHERE "
                    + "\"HeaderReference\" = '" + key + "'")), 15_000, "the event's record landed");
            // the event run itself asked for no refresh; the interval route pays what it left owed
            until(() -> rt.sandbox().tableau().refreshRequests() == 2, 15_000, "the owed extract was refreshed");
            until(() -> TestConnector.query(rt, "SELECT * FROM tableau_refresh_owed").isEmpty(), 10_000, "nothing is owed");
            assertThat(TestConnector.query(rt, "SELECT status FROM connector_run WHERE trigger_kind = 'event'"))
                    .extracting(r -> r.get("STATUS")).containsOnly("SUCCEEDED");
        }
    }

    @Test
    void duplicatesByEventIdOrControlNumberAreAcknowledgedAndDropped() throws Exception {
        Properties p = events();
        p.setProperty("events.coalesce-ms", "60000"); // stored, not read, during the test
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            String a = UUID.randomUUID().toString();
            String b = UUID.randomUUID().toString();
            HttpResponse<String> r = post(rt, "/events/fno/" + SECRET, "[" + event(a, 100, "PO-1") + "," + event(a, 100, "PO-1")
                    + "," + event(b, 100, "PO-2") + "," + event(UUID.randomUUID().toString(), 103, "PO-3") + "]");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"stored\":2,\"duplicates\":2,\"ignored\":0}");
            // the same again, later (F&O resends): all duplicates; the secret may also come as a header
            HttpResponse<String> again = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + rt.httpPort() + "/events/fno")).header("X-Connector-Secret", SECRET)
                    .POST(HttpRequest.BodyPublishers.ofString(event(a, 100, "PO-1"))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(again.body()).isEqualTo("{\"stored\":0,\"duplicates\":1,\"ignored\":0}");
            // an event nobody reads is kept as IGNORED; a body without events is refused
            HttpResponse<String> other = post(rt, "/events/fno/" + SECRET, "{\"BusinessEventId\":\"CustFreeTextInvoicePostedBusinessEvent\","
                    + "\"EventId\":\"" + UUID.randomUUID() + "\",\"ControlNumber\":104}");
            assertThat(other.body()).isEqualTo("{\"stored\":0,\"duplicates\":0,\"ignored\":1}");
            assertThat(post(rt, "/events/fno/" + SECRET, "[]").statusCode()).isEqualTo(400);
            assertThat(post(rt, "/events/fno/" + SECRET, "{\"EventId\":\"x\"}").statusCode()).isEqualTo(400);
            assertThat(TestConnector.query(rt, "SELECT status, COUNT(*) AS n FROM business_event GROUP BY status ORDER BY status"))
                    .extracting(m -> m.get("STATUS") + "=" + m.get("N")).containsExactly("IGNORED=1", "PENDING=2");
        }
    }

    @Test
    void aForgedDeliveryGets401StoresNothingAndTheSecretIsNotLogged() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(events()); LogCapture log = LogCapture.start()) {
            String guess = "guess-" + UUID.randomUUID();
            HttpResponse<String> r = post(rt, "/events/fno/" + guess, event(UUID.randomUUID().toString(), 1, "PO-1"));
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body() + r.headers().map()).doesNotContain(guess);
            assertThat(post(rt, "/events/fno", event(UUID.randomUUID().toString(), 2, "PO-1")).statusCode()).as("no secret").isEqualTo(401);
            assertThat(TestConnector.query(rt, "SELECT * FROM business_event")).isEmpty();
            assertThat(log.text()).contains("Business event delivery refused (401)").doesNotContain(guess).doesNotContain(SECRET);
            assertThat(rt.businessEvents().refused()).isEqualTo(2);
        }
    }

    @Test
    void eventsAcknowledgedBeforeAStopAreReadAfterTheRestart() throws Exception {
        String url = "jdbc:h2:file:" + temp.resolve("landing").toAbsolutePath();
        Properties first = events();
        first.setProperty("sandbox.landing.jdbc-url", url);
        first.setProperty("events.coalesce-ms", "600000"); // the process stops before it reads anything
        String key;
        try (ConnectorRuntime rt = TestConnector.start(first)) {
            rt.syncNow("PurchaseOrders", "test");
            rt.sandbox().update("PurchaseOrderHeadersV2", 5, Map.of("PurchaseOrderName", "Confirmed before the stop"));
            until(() -> rt.sandbox().businessEvents().delivered() == 1, 10_000, "F&O's delivery was acknowledged");
            assertThat(rt.eventStore().count(EventStore.Status.PENDING)).isEqualTo(1);
            key = (String) rt.sandbox().value("PurchaseOrderHeadersV2", 5, "PurchaseOrderNumber");
        }
        Properties second = events();
        second.setProperty("sandbox.landing.jdbc-url", url);
        second.setProperty("sandbox.fno.rows.PurchaseOrderHeadersV2", "6000");
        try (ConnectorRuntime rt = TestConnector.start(second)) {
            // a new sandbox: give it the same change F&O made before the stop (the event carries only the key)
            rt.sandbox().businessEvents().enabled(false);
            rt.sandbox().update("PurchaseOrderHeadersV2", 5, Map.of("PurchaseOrderName", "Confirmed before the stop"));
            until(() -> "Confirmed before the stop".equals(landed(rt, "SELECT \"PurchaseOrderName\" FROM \"PurchaseOrders\" "
                    + "WHERE \"PurchaseOrderNumber\" = '" + key + "' AND \"Company\" = '"
                    + rt.sandbox().value("PurchaseOrderHeadersV2", 5, "dataAreaId") + "'")), 15_000, "the stored event was read");
            until(() -> rt.eventStore().count(EventStore.Status.READ) == 1, 10_000, "the event was marked read");
            assertThat(rt.eventStore().count(EventStore.Status.PENDING)).isZero();
        }
    }

    @Test
    void keysWithQuotesAreEscapedInTheFilter() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(events())) {
            rt.syncNow("PurchaseOrders", "test");
            rt.sandbox().update("PurchaseOrderHeadersV2", 9, Map.of("PurchaseOrderNumber", "PO-O'Brien \"&\" Søn",
                    "PurchaseOrderName", "quoted key"));
            until(() -> landed(rt, "SELECT \"PurchaseOrderName\" FROM \"PurchaseOrders\" WHERE \"PurchaseOrderNumber\" = "
                    + "'PO-O''Brien \"&\" Søn'") != null, 15_000, "the record with the quoted key landed");
            assertThat(rt.sandbox().fno().recentRequests()).anyMatch(u -> u.contains("PO-O%27%27Brien"));
        }
    }

    /** The figure for the note: a burst of 1,000 events (printed). */
    @Test
    void aBurstOfAThousandEventsBecomesAFewReads() throws Exception {
        Properties p = events();
        p.setProperty("events.coalesce-ms", "2000");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("PurchaseOrders", "test");
            long before = rt.sandbox().fno().dataRequests();
            long start = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                rt.sandbox().update("PurchaseOrderHeadersV2", i * 5L, Map.of("PurchaseOrderName", "burst " + i));
            }
            until(() -> Long.valueOf(1000).equals(landed(rt, "SELECT COUNT(*) FROM \"PurchaseOrders\" WHERE \"PurchaseOrderName\" LIKE 'burst %'")),
                    120_000, "all 1,000 records landed");
            double seconds = (System.nanoTime() - start) / 1e9;
            long requests = rt.sandbox().fno().dataRequests() - before;
            until(() -> rt.sandbox().businessEvents().inFlight() == 0, 10_000, "every delivery answered");
            System.out.printf("Business events burst: 1,000 events -> %d OData requests; last record landed %.1f s after the first event%n",
                    requests, seconds);
            assertThat(rt.sandbox().businessEvents().delivered()).isEqualTo(1000);
            assertThat(requests).as("coalesced, not one read per event").isLessThanOrEqualTo(60);
            until(() -> rt.eventStore().count(EventStore.Status.READ) == 1000, 10_000, "every event was marked read");
        }
    }
}
