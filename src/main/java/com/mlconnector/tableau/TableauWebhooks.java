package com.mlconnector.tableau;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Receives Tableau's webhook calls (route bean {@code tableauWebhooks}, route tableau-webhook in
 * routes/webhooks.yaml). Tableau signs nothing, so the only proof is the secret in the URL path: it is compared in
 * constant time and never logged or echoed. Each event is recorded once (a second delivery is acknowledged and
 * ignored); a DatasourceRefreshFailed for a refresh the connector is following fails it at once.
 */
public final class TableauWebhooks {
    private static final Logger LOG = LoggerFactory.getLogger(TableauWebhooks.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TableauSettings settings;
    private final TableauDestination destination;
    private final RefreshLedger ledger;
    private final com.mlconnector.http.UrlSecret secret;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();

    public TableauWebhooks(TableauSettings settings, TableauDestination destination, RefreshLedger ledger) {
        this.settings = settings;
        this.destination = destination;
        this.ledger = ledger;
        this.secret = new com.mlconnector.http.UrlSecret(settings.webhookSecret);
    }

    /** Handles one call; the answer is 200 (taken or a duplicate), 400 (not an event) or 401 (wrong secret). */
    public void receive(Exchange exchange) {
        String given = exchange.getMessage().getHeader("secret", String.class);
        String from = exchange.getMessage().getHeader("X-Forwarded-For", String.class);
        String body = exchange.getMessage().getBody(String.class);
        // nothing of the request goes back, and the path (which holds the secret) goes nowhere
        exchange.getMessage().removeHeaders("*");
        if (!secret.matches(given)) {
            refused.incrementAndGet();
            LOG.warn("Tableau webhook refused (401): {}{}", !secret.configured() ? "tableau.webhook-secret is not set"
                    : "the secret in the URL is not tableau.webhook-secret", from == null ? "" : " (forwarded for " + from + ")");
            com.mlconnector.http.UrlSecret.answer(exchange, 401, "{\"error\":\"unauthorized\"}");
            return;
        }
        JsonNode event;
        try {
            event = JSON.readTree(body == null ? "" : body);
        } catch (IOException e) {
            event = null;
        }
        String type = event == null ? null : event.path("event_type").asText(null);
        String ds = event == null ? null : event.path("resource_luid").asText(null);
        String created = event == null ? null : event.path("created_at").asText(null);
        if (type == null || ds == null || created == null) {
            LOG.warn("Tableau webhook: not an event (event_type, resource_luid and created_at are required); answered 400");
            com.mlconnector.http.UrlSecret.answer(exchange, 400, "{\"error\":\"event_type, resource_luid and created_at are required\"}");
            return;
        }
        String name = event.path("resource_name").asText(null);
        String site = event.path("site_luid").asText(null);
        try {
            if (!ledger.firstDelivery(type, ds, created, site, name)) {
                duplicates.incrementAndGet();
                LOG.info("Tableau webhook {} for data source {} ({}) received again: ignored", type, ds, created);
                com.mlconnector.http.UrlSecret.answer(exchange, 200, "{\"status\":\"duplicate\"}");
                return;
            }
            String outcome = handle(type, ds, created, name);
            ledger.outcome(type, ds, created, outcome);
            LOG.info("Tableau webhook {} for data source {} ({}): {}", type, ds, name == null ? "" : name, outcome);
            com.mlconnector.http.UrlSecret.answer(exchange, 200, "{\"status\":\"accepted\"}");
        } catch (Exception e) {
            // not recorded: Tableau retries a failed delivery, and the retry is then taken as new
            LOG.error("Tableau webhook {} for data source {} could not be recorded: {}", type, ds, e.toString());
            com.mlconnector.http.UrlSecret.answer(exchange, 500, "{\"error\":\"not recorded\"}");
        }
    }

    private String handle(String type, String ds, String created, String name) {
        boolean ours = settings.datasources.containsKey(ds);
        switch (type) {
            case "DatasourceRefreshFailed" -> {
                Instant at = instant(created);
                if (destination.failedByWebhook(ds, at, name)) {
                    return "failed the refresh being followed";
                }
                return ours ? "no refresh followed now (kept for the one being asked for, if any)" : "data source not configured";
            }
            case "DatasourceRefreshSucceeded" -> {
                return destination.succeededByWebhook(ds) ? "polled the refresh being followed now" : "noted";
            }
            default -> {
                return "noted";
            }
        }
    }

    /** Wrong-secret calls refused since start. */
    public long refused() {
        return refused.get();
    }

    public long duplicates() {
        return duplicates.get();
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
