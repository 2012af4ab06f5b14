package com.mlconnector.powerbi.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mlconnector.http.PacingClock;
import com.mlconnector.http.RouteHttp;
import com.mlconnector.powerbi.PowerBiClient;
import com.mlconnector.powerbi.PowerBiSettings;
import com.mlconnector.sync.RetryPolicy;
import com.mlconnector.sync.RunLedger;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One refresh of the import model, to its end: an enhanced refresh of the tables that changed ({@code objects},
 * {@code commitMode: transactional}, {@code retryCount}, {@code timeout}), followed at {@code …/refreshes/{id}} with
 * backoff. A refresh already running (400 or 409, the model's newest refresh in progress) is waited out, then ours is
 * asked. A workspace without capacity refuses enhanced refresh: from then on the whole model is refreshed, at most
 * powerbi.refreshes-per-day in any 24 hours (counted from the model's own refresh history, so scheduled refreshes and
 * other nodes count too); past that the refresh stays owed.
 */
final class ModelRefresh {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRefresh.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a refresh ended: Power BI's status, each table's status, its messages, whether it covered only some tables. */
    record Ended(String requestId, String status, Map<String, String> objects, List<String> messages, boolean wholeModel,
                 Duration took) {
        boolean completed() {
            return status.equals("Completed");
        }
    }

    /** A refresh that cannot be asked now (the shared-capacity budget is spent): it stays owed. */
    static final class NotNow extends IllegalStateException {
        NotNow(String message) {
            super(message);
        }
    }

    private final PowerBiSettings settings;
    private final PowerBiClient client;
    private final RetryPolicy retry;
    private final PacingClock clock;
    private volatile boolean sharedCapacity;

    ModelRefresh(PowerBiSettings settings, PowerBiClient client, RetryPolicy retry, PacingClock clock) {
        this.settings = settings;
        this.client = client;
        this.retry = retry;
        this.clock = clock;
    }

    /** The workspace refused enhanced refresh: whole-model refreshes within the daily budget. */
    boolean sharedCapacity() {
        return sharedCapacity;
    }

    /** Refreshes these tables of the model and follows the refresh to its end, within powerbi.refresh-timeout-seconds. */
    Ended refresh(String modelId, List<String> tables) throws Exception {
        Instant deadline = clock.now().plusSeconds(settings.refreshTimeoutSeconds);
        Instant started = clock.now();
        for (int attempt = 1; ; attempt++) {
            if (attempt > 20) {
                throw new IllegalStateException("Power BI model " + modelId + ": a refresh could not be asked after 20 tries "
                        + "(other refreshes kept starting); it is asked again with the next runs");
            }
            boolean whole = sharedCapacity;
            if (whole) {
                withinBudget(modelId);
            }
            RouteHttp.Answer asked;
            try {
                asked = retry.retrying(() -> client.askRefresh(modelId, whole
                        ? "{\"notifyOption\":\"NoNotification\"}" : enhanced(tables)));
            } catch (HttpOperationFailedException e) {
                if ((e.getStatusCode() == 400 || e.getStatusCode() == 409) && waitedOutRunning(modelId, deadline)) {
                    LOG.info("Power BI model {}: a refresh was running already (HTTP {}); it ended, ours is asked now", modelId,
                            e.getStatusCode());
                    continue;
                }
                if (e.getStatusCode() == 400 && !whole && refusedForCapacity(e)) {
                    sharedCapacity = true;
                    LOG.warn("Power BI model {}: the workspace has no Premium/Fabric capacity, so refreshes of single tables are "
                            + "refused; the whole model is refreshed instead, at most {} times in 24 hours (powerbi.refreshes-per-day). "
                            + "Power BI said: {}", modelId, settings.refreshesPerDay, e.getResponseBody());
                    continue;
                }
                throw new IllegalStateException("Power BI refused the refresh of model " + modelId + " (HTTP " + e.getStatusCode() + "): "
                        + e.getResponseBody(), e);
            }
            String location = asked.header("Location");
            String requestId = location != null ? location.replaceAll("^(.*/)?refreshes/", "").replaceAll("[?#].*", "")
                    : asked.header("RequestId") != null ? asked.header("RequestId") : asked.header("x-ms-request-id");
            return follow(modelId, requestId, !whole, deadline, started);
        }
    }

    /** The enhanced refresh's body: only these tables, all or nothing, Power BI's own retries and timeout. */
    private String enhanced(List<String> tables) {
        ObjectNode b = JSON.createObjectNode().put("type", "full").put("commitMode", "transactional")
                .put("maxParallelism", 10).put("retryCount", settings.refreshRetryCount)
                .put("timeout", hms(Duration.ofSeconds(Math.min(settings.refreshTimeoutSeconds, 5 * 3600))));
        tables.forEach(t -> b.withArray("objects").addObject().put("table", t));
        return b.toString();
    }

    /** Follows the refresh: by its id (enhanced: 202 while it runs, 200 at its end), or in the history (a plain one). */
    private Ended follow(String modelId, String requestId, boolean enhanced, Instant deadline, Instant started) throws Exception {
        Duration wait = Duration.ofSeconds(1);
        while (true) {
            JsonNode r;
            boolean done;
            if (enhanced && requestId != null) {
                RouteHttp.Answer a = retry.retrying(() -> client.refresh(modelId, requestId));
                r = a.json();
                done = a.status() == 200 && !r.path("status").asText("Unknown").equals("Unknown");
            } else {
                r = newest(modelId, requestId);
                done = r != null && !r.path("status").asText("Unknown").equals("Unknown")
                        && !r.path("status").asText().equals("NotStarted");
            }
            if (done) {
                Map<String, String> objects = new LinkedHashMap<>();
                r.path("objects").forEach(o -> objects.put(o.path("table").asText(), o.path("status").asText()));
                List<String> messages = new ArrayList<>();
                r.path("messages").forEach(m -> messages.add(m.path("message").asText(m.toString())));
                if (messages.isEmpty() && r.hasNonNull("serviceExceptionJson")) {
                    messages.add(r.path("serviceExceptionJson").asText());
                }
                String status = r.path("extendedStatus").asText("").equals("TimedOut") ? "TimedOut" : r.path("status").asText();
                return new Ended(requestId, status, objects, messages, !enhanced, Duration.between(started, clock.now()));
            }
            if (!clock.now().isBefore(deadline)) {
                throw new IllegalStateException("Power BI refresh " + requestId + " of model " + modelId + " did not end within "
                        + settings.refreshTimeoutSeconds + " s (powerbi.refresh-timeout-seconds); it is asked again with the next runs");
            }
            clock.sleep(wait);
            wait = doubled(wait);
        }
    }

    /** The refresh with this id in the model's history (the newest when there is no id). */
    private JsonNode newest(String modelId, String requestId) throws Exception {
        JsonNode list = retry.retrying(() -> client.refreshes(modelId, 5));
        for (JsonNode r : list) {
            if (requestId == null || requestId.equals(r.path("requestId").asText())) {
                return r;
            }
        }
        return null;
    }

    /** When the model's newest refresh is running, waits for its end (true); false when none is running. */
    private boolean waitedOutRunning(String modelId, Instant deadline) throws Exception {
        JsonNode newest = newest(modelId, null);
        if (newest == null || !newest.path("status").asText("Unknown").equals("Unknown")) {
            return false;
        }
        String id = newest.path("requestId").asText(null);
        Duration wait = Duration.ofSeconds(2);
        while (true) {
            JsonNode r = newest(modelId, id);
            if (r == null || !r.path("status").asText("Unknown").equals("Unknown")) {
                return true;
            }
            if (!clock.now().isBefore(deadline)) {
                throw new IllegalStateException("Power BI model " + modelId + ": the refresh " + id + " that was running did not end "
                        + "within " + settings.refreshTimeoutSeconds + " s (powerbi.refresh-timeout-seconds); ours is asked again later");
            }
            clock.sleep(wait);
            wait = doubled(wait);
        }
    }

    /** On shared capacity: the model's refreshes in the last 24 hours (its history: scheduled ones count) within the budget. */
    private void withinBudget(String modelId) throws Exception {
        Instant dayAgo = clock.now().minus(Duration.ofHours(24));
        List<Instant> today = new ArrayList<>();
        for (JsonNode r : retry.retrying(() -> client.refreshes(modelId, settings.refreshesPerDay))) {
            Instant at = Instant.parse(r.path("startTime").asText(Instant.EPOCH.toString()));
            if (at.isAfter(dayAgo)) {
                today.add(at);
            }
        }
        if (today.size() >= settings.refreshesPerDay) {
            Instant next = today.stream().min(Instant::compareTo).orElseThrow().plus(Duration.ofHours(24));
            throw new NotNow("Power BI model " + modelId + " has been refreshed " + today.size() + " times in the last 24 hours, the "
                    + "most powerbi.refreshes-per-day allows on shared capacity; the refresh stays owed and is asked after "
                    + next + " (a workspace on Premium/Fabric capacity refreshes single tables without this limit)");
        }
    }

    /** The next poll's wait: twice the last, at most 30 s. */
    private static Duration doubled(Duration wait) {
        Duration twice = wait.multipliedBy(2);
        return twice.compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : twice;
    }

    private static boolean refusedForCapacity(HttpOperationFailedException e) {
        String body = e.getResponseBody() == null ? "" : e.getResponseBody().toLowerCase(Locale.ROOT);
        return body.contains("capacity") || body.contains("premium");
    }

    private static String hms(Duration d) {
        return String.format("%02d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }

    static String describe(Ended e) {
        StringBuilder b = new StringBuilder(e.wholeModel() ? "whole-model refresh (shared capacity refuses single tables) " : "refresh ").append(e.requestId()).append(' ')
                .append(e.status()).append(" in ").append(RunLedger.formatDuration(e.took()));
        if (!e.objects().isEmpty()) {
            b.append("; tables: ");
            e.objects().forEach((t, s) -> b.append(t).append(' ').append(s).append(", "));
            b.setLength(b.length() - 2);
        }
        if (!e.messages().isEmpty()) {
            b.append("; Power BI said: ").append(String.join("; ", e.messages()));
        }
        return b.toString();
    }
}
