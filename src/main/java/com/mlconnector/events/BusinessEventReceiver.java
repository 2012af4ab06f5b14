package com.mlconnector.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes F&O business events (route bean {@code businessEvents}): one event or an array. Each is stored in the state
 * database before the answer goes back, so a 2xx means stored: a crash after it loses nothing. An event seen before
 * (same EventId or ControlNumber) is acknowledged and dropped; one the event map does not know is stored as IGNORED.
 * The HTTPS endpoint authenticates with the secret in its path (or the X-Connector-Secret header), compared in
 * constant time; the secret is never logged or echoed.
 */
public final class BusinessEventReceiver {
    private static final Logger LOG = LoggerFactory.getLogger(BusinessEventReceiver.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one delivery brought. */
    public record Receipt(int stored, int duplicates, int ignored) {
    }

    private final EventSettings settings;
    private final EventMap map;
    private final EventStore store;
    private final com.mlconnector.http.UrlSecret secret;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong received = new AtomicLong();

    public BusinessEventReceiver(EventSettings settings, EventMap map, EventStore store) {
        this.settings = settings;
        this.map = map;
        this.store = store;
        this.secret = new com.mlconnector.http.UrlSecret(settings.secret);
    }

    /** The HTTPS endpoint: 200 with counts, 400 for a body that holds no event, 401 without the right secret. */
    public void receive(Exchange exchange) {
        String given = exchange.getMessage().getHeader("secret", String.class);
        if (given == null) {
            given = exchange.getMessage().getHeader("X-Connector-Secret", String.class);
        }
        String body = exchange.getMessage().getBody(String.class);
        exchange.getMessage().removeHeaders("*"); // the path holds the secret: nothing of the request goes back
        if (!settings.enabled || !secret.matches(given)) {
            refused.incrementAndGet();
            LOG.warn("Business event delivery refused (401): {}", !settings.enabled ? "business events are not enabled"
                    : !secret.configured() ? "events.secret is not set" : "the secret does not match events.secret");
            com.mlconnector.http.UrlSecret.answer(exchange, 401, "{\"error\":\"unauthorized\"}");
            return;
        }
        try {
            Receipt r = take(body);
            com.mlconnector.http.UrlSecret.answer(exchange, 200, "{\"stored\":" + r.stored() + ",\"duplicates\":" + r.duplicates() + ",\"ignored\":" + r.ignored() + "}");
        } catch (IllegalArgumentException e) {
            LOG.warn("Business event delivery refused (400): {}", e.getMessage());
            com.mlconnector.http.UrlSecret.answer(exchange, 400, "{\"error\":" + JSON.valueToTree(e.getMessage()) + "}");
        } catch (Exception e) {
            // not stored, so not acknowledged: F&O retries the delivery (and then keeps it for Resend)
            LOG.error("Business events could not be stored: {}", e.toString());
            com.mlconnector.http.UrlSecret.answer(exchange, 503, "{\"error\":\"not stored, send again\"}");
        }
    }

    /**
     * One Service Bus message: stored, or an exception, which abandons the message so Service Bus delivers it again
     * (a message that holds no event is logged and taken, or it would come back forever).
     */
    public void fromServiceBus(Exchange exchange) throws Exception {
        try {
            Receipt r = take(exchange.getMessage().getBody(String.class));
            LOG.debug("Service Bus message: {}", r);
        } catch (IllegalArgumentException e) {
            refused.incrementAndGet();
            LOG.warn("Service Bus message {} holds no business event ({}): taken and dropped",
                    exchange.getMessage().getHeader("CamelAzureServiceBusMessageId"), e.getMessage());
        }
    }

    /** Stores the events of one delivery (HTTPS body or Service Bus message); throws when they could not be stored. */
    public Receipt take(String body) throws Exception {
        JsonNode root;
        try {
            root = JSON.readTree(body == null ? "" : body);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON");
        }
        List<JsonNode> items = new ArrayList<>();
        if (root != null && root.isArray()) {
            root.forEach(items::add);
        } else if (root != null && root.isObject()) {
            items.add(root);
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException("expected a business event object or an array of them");
        }
        List<BusinessEvent> events = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            BusinessEvent e = BusinessEvent.of(items.get(i));
            if (e.eventId() == null || e.businessEventId() == null) {
                throw new IllegalArgumentException("event " + i + " has no EventId or BusinessEventId");
            }
            events.add(e);
        }
        int stored = 0;
        int dup = 0;
        int ignored = 0;
        for (BusinessEvent e : events) {
            List<String> tables = map.readsFor(e.businessEventId()).stream().map(r -> r.mapping().table()).toList();
            boolean isNew = store.storeIfNew(e, tables);
            if (!isNew) {
                dup++;
            } else if (tables.isEmpty()) {
                ignored++;
                LOG.info("Business event {} ({}) kept but not read: events/business-events.yaml has no read for it",
                        e.businessEventId(), e.eventId());
            } else {
                stored++;
            }
        }
        received.addAndGet(events.size());
        duplicates.addAndGet(dup);
        if (dup > 0) {
            LOG.info("{} business event(s) received again (same EventId or ControlNumber): dropped", dup);
        }
        return new Receipt(stored, dup, ignored);
    }

    public long refused() { return refused.get(); }
    public long duplicates() { return duplicates.get(); }
    public long received() { return received.get(); }
}
