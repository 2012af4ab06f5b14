package com.mlconnector.databricks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mlconnector.http.RouteHttp;
import org.apache.camel.http.base.HttpOperationFailedException;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The SQL Statement Execution API and Jobs run-now. A statement is submitted with a wait timeout; if it is still
 * PENDING or RUNNING then, it is polled with backoff until SUCCEEDED, FAILED or CANCELED, and cancelled when the
 * connector's own timeout passes. A failure carries the warehouse's error text.
 */
public final class DatabricksClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A named parameter: the value as text (null for NULL) and its SQL type. */
    public record Param(String name, String value, String type) {
    }

    private final RouteHttp http;
    private final DatabricksSettings settings;
    /** No statement is submitted before this instant: set by a 429/503's Retry-After, honoured by every thread. */
    private final AtomicReference<Instant> notBefore = new AtomicReference<>(Instant.EPOCH);

    /** @param http the route databricks-http (routes/databricks.yaml), which sets the token and makes the call */
    public DatabricksClient(DatabricksSettings settings, RouteHttp http) {
        this.settings = settings;
        this.http = http;
    }

    /**
     * The warehouse said to wait (429 or 503 with Retry-After): no statement of this process is submitted before
     * then, whichever batch or thread it belongs to.
     */
    public void holdOff(Duration wait) {
        Instant until = Instant.now().plus(wait);
        notBefore.accumulateAndGet(until, (a, b) -> a.isAfter(b) ? a : b);
    }

    /** Waits until a Retry-After the warehouse gave has passed. */
    private void awaitTurn() throws InterruptedException {
        long ms;
        while ((ms = Duration.between(Instant.now(), notBefore.get()).toMillis()) > 0) {
            Thread.sleep(ms);
        }
    }

    /** Runs a statement to its end; returns its result rows (empty for statements without one). */
    public List<List<String>> execute(String statement, List<Param> params) throws Exception {
        awaitTurn();
        ObjectNode req = JSON.createObjectNode()
                .put("warehouse_id", settings.warehouseId).put("statement", statement)
                .put("catalog", settings.catalog).put("schema", settings.schema)
                .put("wait_timeout", settings.waitTimeoutSeconds + "s").put("on_wait_timeout", "CONTINUE");
        ArrayNode ps = req.putArray("parameters");
        for (Param p : params) {
            ObjectNode n = ps.addObject().put("name", p.name()).put("type", p.type());
            if (p.value() != null) {
                n.put("value", p.value());
            }
        }
        JsonNode s = http.json("POST", settings.host + "/api/2.0/sql/statements", JSON_TYPE, utf8(req.toString()));
        String id = s.path("statement_id").asText();
        Instant deadline = Instant.now().plusSeconds(settings.statementTimeoutSeconds);
        long wait = 200;
        while (!terminal(s)) {
            if (Instant.now().isAfter(deadline)) {
                http.call("POST", settings.host + "/api/2.0/sql/statements/" + id + "/cancel", null, null);
                throw new StatementFailedException("statement " + id + " did not finish within "
                        + settings.statementTimeoutSeconds + " s (databricks.statement-timeout-seconds); cancelled");
            }
            Thread.sleep(wait);
            wait = Math.min(wait * 2, 5_000);
            s = http.json("GET", settings.host + "/api/2.0/sql/statements/" + id, null, null);
        }
        String state = s.path("status").path("state").asText();
        if (!state.equals("SUCCEEDED")) {
            throw new StatementFailedException("Databricks statement " + id + " " + state + ": "
                    + s.path("status").path("error").path("message").asText("(no message)"));
        }
        List<List<String>> rows = new java.util.ArrayList<>();
        for (JsonNode r : s.path("result").path("data_array")) {
            List<String> row = new java.util.ArrayList<>();
            r.forEach(v -> row.add(v.isNull() ? null : v.asText()));
            rows.add(row);
        }
        return rows;
    }

    /** Starts the job; the same idempotency token returns the run it started before. */
    public long runNow(long jobId, String idempotencyToken, java.util.Map<String, String> jobParameters)
            throws IOException, HttpOperationFailedException, InterruptedException {
        awaitTurn();
        com.fasterxml.jackson.databind.node.ObjectNode req = JSON.createObjectNode().put("job_id", jobId)
                .put("idempotency_token", idempotencyToken);
        if (jobParameters != null && !jobParameters.isEmpty()) {
            com.fasterxml.jackson.databind.node.ObjectNode params = req.putObject("job_parameters");
            jobParameters.forEach(params::put);
        }
        String body = req.toString();
        return http.json("POST", settings.host + "/api/2.2/jobs/run-now", JSON_TYPE, utf8(body)).path("run_id").asLong();
    }

    /**
     * Files API: writes a file in a Unity Catalog volume, replacing one of the same path (so an upload repeated after a
     * dropped answer changes nothing).
     */
    public void upload(String path, byte[] content) throws IOException, HttpOperationFailedException, InterruptedException {
        awaitTurn();
        http.call("PUT", files("files", path, "?overwrite=true").toString(), "application/octet-stream", content);
    }

    /** One entry of a volume directory: its full path, and whether it is a directory. */
    public record Entry(String path, String name, boolean directory) {
    }

    /** Files API: a directory's entries, all pages of them; empty when the directory does not exist. */
    public List<Entry> list(String directory) throws IOException, HttpOperationFailedException, InterruptedException {
        List<Entry> out = new java.util.ArrayList<>();
        String token = null;
        do {
            awaitTurn();
            String query = token == null ? "" : "?page_token=" + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8);
            JsonNode page;
            try {
                page = http.json("GET", files("directories", directory, query).toString(), null, null);
            } catch (HttpOperationFailedException e) {
                if (e.getStatusCode() == 404) {
                    return out;
                }
                throw e;
            }
            for (JsonNode e : page.path("contents")) {
                out.add(new Entry(e.path("path").asText(), e.path("name").asText(), e.path("is_directory").asBoolean()));
            }
            token = page.path("next_page_token").asText(null);
        } while (token != null && !token.isEmpty());
        return out;
    }

    /** Files API: whether a directory (a volume's root included) exists and this principal may see it. */
    public boolean directoryExists(String directory) throws IOException, HttpOperationFailedException, InterruptedException {
        awaitTurn();
        try {
            http.call("HEAD", files("directories", directory, "").toString(), null, null);
            return true;
        } catch (HttpOperationFailedException e) {
            if (e.getStatusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** Files API: deletes a file, or an empty directory; one already gone is not an error (a repeated clean-up). */
    public void delete(String path, boolean directory) throws IOException, HttpOperationFailedException, InterruptedException {
        awaitTurn();
        try {
            http.call("DELETE", files(directory ? "directories" : "files", path, "").toString(), null, null);
        } catch (HttpOperationFailedException e) {
            if (e.getStatusCode() != 404) {
                throw e;
            }
        }
    }

    private URI files(String kind, String path, String query) {
        if (!path.startsWith("/Volumes/")) {
            throw new IllegalArgumentException("not a volume path: " + path);
        }
        StringBuilder encoded = new StringBuilder();
        for (String segment : path.substring(1).split("/")) {
            encoded.append('/').append(java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return URI.create(settings.host + "/api/2.0/fs/" + kind + encoded + query);
    }

    public JsonNode run(long runId) throws IOException, HttpOperationFailedException {
        return http.json("GET", settings.host + "/api/2.2/jobs/runs/get?run_id=" + runId, null, null);
    }

    private static boolean terminal(JsonNode s) {
        String state = s.path("status").path("state").asText();
        if (state.equals("PENDING") || state.equals("RUNNING")) {
            return false;
        }
        if (state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELED") || state.equals("CLOSED")) {
            return true;
        }
        // a state the API did not document when this was written: end with a clear error rather than poll for ever
        throw new StatementFailedException("Databricks statement " + s.path("statement_id").asText() + " is in state '" + state
                + "', which the connector does not know");
    }

    /** The warehouse refused or failed a statement; its message is the warehouse's. Not retried. */
    private static final String JSON_TYPE = "application/json";

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public static final class StatementFailedException extends RuntimeException {
        public StatementFailedException(String message) {
            super(message);
        }
    }
}
