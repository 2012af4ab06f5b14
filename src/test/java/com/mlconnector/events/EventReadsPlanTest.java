package com.mlconnector.events;

import com.mlconnector.fno.ODataQueries;
import com.mlconnector.landing.LandingDatabase;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.MappingLoader;
import com.mlconnector.ops.Pauses;
import com.mlconnector.sync.Mappings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** How stored events become reads: per kind, bounded filters, one clause per record, quotes doubled. */
class EventReadsPlanTest {
    @TempDir
    Path temp;

    @Test
    void eventsBecomeFewBoundedReadsPerKind() throws Exception {
        List<EntityMapping> loaded = MappingLoader.loadFolder(Path.of("mappings"));
        Mappings mappings = new Mappings(loaded);
        Path map = temp.resolve("events.yaml");
        Files.writeString(map, String.join("\n",
                "events:",
                "  - id: PurchaseOrderConfirmedBusinessEvent",
                "    table: PurchaseOrders",
                "    match: { dataAreaId: BusinessEventLegalEntity, PurchaseOrderNumber: PurchaseOrderNumber }",
                "  - id: PurchaseOrderVendorChangedBusinessEvent",
                "    table: PurchaseOrders",
                "    match: { OrderVendorAccountNumber: VendorAccount }", ""));
        LandingDatabase db = new LandingDatabase("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "", "");
        try {
            db.prepare(loaded);
            EventStore store = new EventStore(db.dataSource());
            EventMap eventMap = EventMap.load(map, mappings);
            Map<String, String> props = Map.of("events.enabled", "true", "events.secret", "0123456789abcdef0123");
            EventSettings settings = new EventSettings(props::get, false);
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 300; i++) {
                String id = UUID.randomUUID().toString();
                ids.add(id);
                String po = i == 7 ? "PO-O'Brien" : "PO-" + (i % 250); // 50 records asked for twice
                store.storeIfNew(BusinessEvent.of(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                        "{\"BusinessEventId\":\"PurchaseOrderConfirmedBusinessEvent\",\"EventId\":\"" + id + "\",\"ControlNumber\":" + i
                                + ",\"BusinessEventLegalEntity\":\"" + (i % 2 == 0 ? "USMF" : "DEMF") + "\",\"PurchaseOrderNumber\":\""
                                + po + "\"}")), List.of("PurchaseOrders"));
            }
            String other = UUID.randomUUID().toString();
            store.storeIfNew(BusinessEvent.of(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    "{\"BusinessEventId\":\"PurchaseOrderVendorChangedBusinessEvent\",\"EventId\":\"" + other
                            + "\",\"ControlNumber\":999,\"VendorAccount\":\"V-000001\"}")), List.of("PurchaseOrders"));

            List<EventReads.Planned> reads = new EventReads(settings, eventMap, store, new Pauses(mappings, db.dataSource())).due();
            Set<String> answered = new HashSet<>();
            for (EventReads.Planned p : reads) {
                String filter = p.getRead().filter();
                assertThat(ODataQueries.encode(filter).length()).as(filter).isLessThanOrEqualTo(settings.maxFilterLength);
                p.getEvents().forEach(e -> answered.add(e.eventId()));
            }
            assertThat(answered).containsAll(ids).contains(other).hasSize(301);
            // the vendor-changed event is read by its own match field, in a read of its own
            assertThat(reads).filteredOn(p -> p.getRead().filter().contains("OrderVendorAccountNumber eq 'V-000001'"))
                    .singleElement().satisfies(p -> assertThat(p.getEvents()).singleElement()
                            .satisfies(e -> assertThat(e.eventId()).isEqualTo(other)));
            String all = String.join(" or ", reads.stream().map(p -> p.getRead().filter()).toList());
            assertThat(all).contains("PurchaseOrderNumber eq 'PO-O''Brien'").contains("dataAreaId eq 'usmf'");
            // 300 events for 250 records, grouped per legal entity: a handful of reads, each record asked for once
            assertThat(reads.size()).isBetween(2, 12);
            assertThat(all.split("PurchaseOrderNumber eq 'PO-5'", -1).length - 1).isEqualTo(1);
        } finally {
            db.close();
        }
    }

    @Test
    void anEventWithTwoReadsKeepsAStateForEachAndSaysWhichFailed() throws Exception {
        List<EntityMapping> loaded = MappingLoader.loadFolder(Path.of("mappings"));
        Mappings mappings = new Mappings(loaded);
        Path map = temp.resolve("events.yaml");
        String invoiceReads = String.join("\n",
                "events:",
                "  - id: VendorInvoicePostedBusinessEvent",
                "    reads:",
                "      - table: Invoices",
                "        match: { dataAreaId: BusinessEventLegalEntity, InvoiceNumber: InvoiceId }",
                "      - table: PostedInvoices",
                "        match: { dataAreaId: BusinessEventLegalEntity, InvoiceId: InvoiceId }", "");
        // what is wrong is named
        Files.writeString(map, invoiceReads.replace("      - table: PostedInvoices", "      - table: Invoices")
                .replace("InvoiceId: InvoiceId", "InvoiceNumber: InvoiceId"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventMap.load(map, mappings))
                .hasMessageContaining("events[0]: a table is read twice for VendorInvoicePostedBusinessEvent");
        Files.writeString(map, invoiceReads.replace("    reads:", "    table: Invoices\n    reads:"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventMap.load(map, mappings))
                .hasMessageContaining("give either table and match, or reads");
        Files.writeString(map, invoiceReads.replace("InvoiceId: InvoiceId", "InvoiceNumber: InvoiceId"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventMap.load(map, mappings))
                .hasMessageContaining("events[0].reads[1].match.InvoiceNumber: not a property the mapping of PostedInvoices selects");

        Files.writeString(map, invoiceReads);
        EventMap eventMap = EventMap.load(map, mappings);
        assertThat(eventMap.readsFor("VendorInvoicePostedBusinessEvent")).extracting(r -> r.mapping().table())
                .containsExactly("Invoices", "PostedInvoices");
        LandingDatabase db = new LandingDatabase("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "", "");
        try {
            db.prepare(loaded);
            EventStore store = new EventStore(db.dataSource());
            String id = UUID.randomUUID().toString();
            store.storeIfNew(BusinessEvent.of(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    "{\"BusinessEventId\":\"VendorInvoicePostedBusinessEvent\",\"EventId\":\"" + id + "\",\"ControlNumber\":1,"
                            + "\"BusinessEventLegalEntity\":\"USMF\",\"InvoiceId\":\"INV-1\"}")),
                    List.of("Invoices", "PostedInvoices"));
            EventSettings settings = new EventSettings(Map.of("events.enabled", "true", "events.secret", "0123456789abcdef0123")::get, false);
            List<EventReads.Planned> reads = new EventReads(settings, eventMap, store, new Pauses(mappings, db.dataSource())).due();
            assertThat(reads).extracting(EventReads.Planned::getEntity).containsExactly("VendorInvoiceHeaders", "VendInvoiceJourBiEntities");
            assertThat(reads.get(1).getRead().filter()).isEqualTo("(dataAreaId eq 'usmf' and InvoiceId eq 'INV-1')");

            // the pending invoice's read succeeds, the posted one's fails: the event waits for that one alone
            store.read(reads.get(0).getEvents(), "run-1");
            store.failed(reads.get(1).getEvents(), "run-2", "HTTP 503", 2, java.time.Duration.ZERO);
            assertThat(status(db, id)).isEqualTo("PENDING");
            assertThat(new EventReads(settings, eventMap, store, new Pauses(mappings, db.dataSource())).due())
                    .extracting(EventReads.Planned::getEntity).containsExactly("VendInvoiceJourBiEntities");
            // it gives up after events.max-attempts: the event is FAILED, naming the read
            store.failed(reads.get(1).getEvents().stream().map(e -> new EventStore.Stored(e.eventId(), e.controlNumber(),
                    e.businessEventId(), e.legalEntity(), e.table(), e.payload(), 1)).toList(), "run-3", "HTTP 503 again", 2, java.time.Duration.ZERO);
            assertThat(status(db, id)).isEqualTo("FAILED");
            try (var c = db.dataSource().getConnection(); var rs = c.createStatement().executeQuery(
                    "SELECT error_message FROM business_event WHERE event_id = '" + id + "'")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("PostedInvoices: HTTP 503 again");
            }
        } finally {
            db.close();
        }
    }

    private static String status(LandingDatabase db, String eventId) throws Exception {
        try (var c = db.dataSource().getConnection(); var rs = c.createStatement().executeQuery(
                "SELECT status FROM business_event WHERE event_id = '" + eventId + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
