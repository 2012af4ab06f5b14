package com.mlconnector.sandbox;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The sandbox F&O's business events: when its data changes (an invoice posted, a purchase order confirmed, a
 * journal posted) it POSTs the event's stub payload to the HTTPS endpoint configured, as F&O does: one event per
 * request, on two threads (so they can arrive out of order), ControlNumbers that grow with gaps, three attempts a
 * second apart, then the event is parked (F&O keeps it in an error list for Resend).
 */
public final class BusinessEventPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BusinessEventPublisher.class);

    /** Which entity's change raises which event, and the identifier fields it carries (event field → property). */
    private record Kind(String businessEventId, Map<String, String> fields) {
    }

    // Posted ledger entries raise none here: the entity a 2025 tenant publishes for them
    // (GeneralJournalAccountEntryBiEntities) carries neither a legal entity nor a journal number to find them by.
    private static final Map<String, Kind> KINDS = Map.of(
            "VendorInvoiceHeaders", new Kind("VendorInvoicePostedBusinessEvent",
                    Map.of("InvoiceId", "InvoiceNumber", "InvoiceAccount", "InvoiceAccount")),
            "PurchaseOrderHeadersV2", new Kind("PurchaseOrderConfirmedBusinessEvent",
                    Map.of("PurchaseOrderNumber", "PurchaseOrderNumber")));

    private final ExecutorService senders = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "fno-business-events");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong controlNumber = new AtomicLong(5_637_144_576L);
    private final AtomicInteger delivered = new AtomicInteger();
    private final AtomicInteger parked = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile Supplier<String> endpoint = () -> null;
    private volatile boolean enabled = true;

    /** Where events go (asked for at each event); null sends nothing. */
    public void endpoint(Supplier<String> url) {
        this.endpoint = url;
    }

    /** Switches publishing off and on (a test that changes data without events, as for history). */
    public void enabled(boolean on) {
        this.enabled = on;
    }

    /** Raises the event for a changed row of an entity, if that entity has one. */
    void changed(FnoDataSet set, long index) {
        Kind kind = KINDS.get(set.entity().name());
        String url = endpoint.get();
        if (kind == null || url == null || !enabled) {
            return;
        }
        StringBuilder json = new StringBuilder("{");
        field(json, "BusinessEventId", kind.businessEventId());
        field(json, "BusinessEventLegalEntity", String.valueOf(set.value(index, set.entity().property("dataAreaId")))
                .toUpperCase(Locale.ROOT));
        field(json, "ContextRecordSubject", "");
        long cn = controlNumber.addAndGet(1 + ThreadLocalRandom.current().nextInt(3)); // grows, with gaps
        json.append("\"ControlNumber\":").append(cn).append(',');
        field(json, "EventId", UUID.randomUUID().toString().toUpperCase(Locale.ROOT));
        Instant now = Instant.now();
        field(json, "EventTime", "/Date(" + now.toEpochMilli() + ")/");
        field(json, "EventTimeIso8601", now.toString());
        field(json, "InitiatingUserAADObjectId", "{00000000-0000-0000-0000-000000000000}");
        json.append("\"MajorVersion\":0,\"MinorVersion\":0,");
        field(json, "ParentContextRecordSubjects", "");
        kind.fields().forEach((f, property) -> field(json, f, String.valueOf(set.value(index, set.entity().property(property)))));
        json.setLength(json.length() - 1);
        json.append('}');
        send(url, json.toString());
    }

    /** Posts a payload as F&O would (tests use it for payloads of their own). */
    public void send(String url, String json) {
        inFlight.incrementAndGet();
        senders.execute(() -> {
            try {
                for (int attempt = 1; attempt <= 3; attempt++) {
                    try {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() / 100 == 2) {
                            delivered.incrementAndGet();
                            return;
                        }
                    } catch (IOException e) {
                        LOG.debug("business event not delivered: {}", e.toString());
                    }
                    Thread.sleep(1000);
                }
                parked.incrementAndGet(); // F&O's error list, for Resend
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
            }
        });
    }

    public int delivered() { return delivered.get(); }
    /** Events given up on after three attempts. */
    public int parked() { return parked.get(); }
    /** Events still being sent. */
    public int inFlight() { return inFlight.get(); }

    private static void field(StringBuilder json, String name, String value) {
        json.append(EmulatorServer.quote(name)).append(':').append(EmulatorServer.quote(value)).append(',');
    }

    @Override
    public void close() {
        senders.shutdownNow();
        try {
            senders.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
