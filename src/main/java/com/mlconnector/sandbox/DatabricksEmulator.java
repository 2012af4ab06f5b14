package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Databricks workspace as the connector uses it: OAuth M2M tokens ({@code /oidc/v1/token}, HTTP Basic, scope
 * all-apis), the SQL Statement Execution API ({@code /api/2.0/sql/statements}: PENDING → RUNNING → SUCCEEDED /
 * FAILED / CANCELED, wait_timeout and on_wait_timeout, named parameters only, 16 MiB statements) running the
 * statements for real on a {@link DatabricksWarehouse} (the sandbox's H2 translation, or Spark SQL + Delta Lake in
 * tests), and Jobs run-now with
 * idempotency tokens (the same token returns the same run).
 */
public final class DatabricksEmulator extends EmulatorServer {
    public static final long MAX_STATEMENT_BYTES = 16L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SandboxTokens tokens;
    private final String clientId;
    private final String clientSecret;
    private final String warehouseId;
    private final String catalog;
    private final String schema;
    private final DatabricksWarehouse engine;
    private final ExecutorService warehouse = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "databricks-warehouse");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, ObjectNode> statements = new ConcurrentHashMap<>();
    private final Map<String, Future<?>> running = new ConcurrentHashMap<>();
    private final Map<String, Long> runsByToken = new ConcurrentHashMap<>();
    private final Map<Long, ObjectNode> runs = new ConcurrentHashMap<>();
    private final AtomicLong runIds = new AtomicLong(1000);
    private final AtomicLong statementCount = new AtomicLong();
    private final AtomicLong tokenCount = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger forced429 = new java.util.concurrent.atomic.AtomicInteger();
    private volatile long statementDelayMillis;

    public DatabricksEmulator(int port, SandboxTokens tokens, String clientId, String clientSecret, String warehouseId,
                              String catalog, String schema) {
        this(port, tokens, clientId, clientSecret, warehouseId, catalog, schema, new H2Warehouse(catalog + "." + schema));
    }

    /** An emulator whose statements run on the warehouse given (a real engine in tests). */
    public DatabricksEmulator(int port, SandboxTokens tokens, String clientId, String clientSecret, String warehouseId,
                              String catalog, String schema, DatabricksWarehouse engine) {
        super(port);
        this.tokens = tokens;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.warehouseId = warehouseId;
        this.catalog = catalog;
        this.schema = schema;
        this.engine = engine;
        volumes.createVolume(catalog, schema, STAGING_VOLUME);
        engine.mountVolumes(volumes.root());
        start();
    }

    /** The volume the sandbox stages bulk loads in ({@code databricks.volume}). */
    public static final String STAGING_VOLUME = "staging";
    private final DatabricksVolumes volumes = new DatabricksVolumes();

    /** The emulated Unity Catalog volumes (Files API). */
    public DatabricksVolumes volumes() {
        return volumes;
    }

    public String audience() {
        return "databricks:" + baseUrl();
    }

    /** Every statement takes at least this long (a slow warehouse). */
    public void setStatementDelayMillis(long ms) {
        this.statementDelayMillis = ms;
    }

    private volatile boolean stopped;

    /** As a stopped warehouse: every statement FAILS (true) until started again (false). */
    public void stopWarehouse(boolean stop) {
        stopped = stop;
    }

    private volatile String refusedPrefix;

    /** Statements starting with this text FAIL (as a warehouse error would) until called with null. */
    public void failStatementsStartingWith(String prefix) {
        refusedPrefix = prefix;
    }

    public void throttleNext(int n) {
        forced429.set(n);
    }

    /**
     * One statement submission as the warehouse saw it: when, the text, a fingerprint of its parameters (two MERGEs of
     * one batch share their text), and whether it was answered 429.
     */
    public record Submission(java.time.Instant at, String statement, String parameters, boolean throttled) {
        /** The statement with its parameters: equal for a statement submitted again. */
        public String identity() {
            return statement.length() + ":" + statement.hashCode() + ":" + parameters;
        }
    }

    private final java.util.concurrent.CopyOnWriteArrayList<Submission> submissions = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.Set<Integer> throttledSubmissions = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger submissionCount = new java.util.concurrent.atomic.AtomicInteger();
    private volatile int retryAfterSeconds = 1;

    /** Answers the n-th statement submissions from now (1 = the next one) with 429 and this Retry-After. */
    public void throttleSubmissions(int retryAfter, int... nth) {
        retryAfterSeconds = retryAfter;
        int base = submissionCount.get();
        for (int n : nth) {
            throttledSubmissions.add(base + n);
        }
    }

    private volatile List<String> jobStates;

    /** The life-cycle states job runs report, one per poll (the last one repeats); null: RUNNING, then TERMINATED. */
    public void scriptJobStates(String... states) {
        jobStates = states.length == 0 ? null : List.of(states);
    }

    /** Every statement submission so far, in order. */
    public List<Submission> submissions() {
        return List.copyOf(submissions);
    }

    public long statements() {
        return statementCount.get();
    }

    public long tokensIssued() {
        return tokenCount.get();
    }

    public int jobRuns() {
        return runs.size();
    }

    /** The job_parameters each run was started with, oldest first (an empty map where none were given). */
    public List<Map<String, String>> jobRunParameters() {
        return runs.keySet().stream().sorted().map(id -> {
            Map<String, String> p = new java.util.LinkedHashMap<>();
            runs.get(id).path("job_parameters").fields().forEachRemaining(e -> p.put(e.getKey(), e.getValue().asText()));
            return p;
        }).toList();
    }

    /** Reads the warehouse directly (tests compare what landed): H2 SQL on the sandbox's H2 warehouse. */
    public List<Map<String, Object>> query(String sql) throws SQLException {
        if (!(engine instanceof H2Warehouse h2)) {
            throw new IllegalStateException("query() reads the H2 warehouse; this emulator runs on " + engine);
        }
        return h2.query(sql);
    }

    /** The engine behind the statements. */
    public DatabricksWarehouse engine() {
        return engine;
    }

    @Override
    protected void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (path.equals("/oidc/v1/token")) {
            token(ex);
            return;
        }
        SandboxTokens.Refusal refusal = tokens.check(ex.getRequestHeaders().getFirst("Authorization"), audience());
        if (refusal != null) {
            send(ex, 401, "application/json", error("UNAUTHENTICATED", "Invalid access token: " + refusal));
            return;
        }
        if (forced429.get() > 0 && forced429.getAndDecrement() > 0) {
            ex.getResponseHeaders().set("Retry-After", "1");
            send(ex, 429, "application/json", error("REQUEST_LIMIT_EXCEEDED", "Too many requests"));
            return;
        }
        if (path.startsWith("/api/2.0/fs/files/") || path.startsWith("/api/2.0/fs/directories/")) {
            String kind = path.startsWith("/api/2.0/fs/files/") ? "files" : "directories";
            DatabricksVolumes.Answer a = volumes.handle(ex.getRequestMethod(), kind, path.substring(("/api/2.0/fs/" + kind).length()),
                    params(ex.getRequestURI().getRawQuery()), ex.getRequestBody().readAllBytes());
            send(ex, a.status(), "application/json", a.body());
        } else if (path.equals("/api/2.0/sql/statements") && ex.getRequestMethod().equals("POST")) {
            submit(ex);
        } else if (path.startsWith("/api/2.0/sql/statements/") && path.endsWith("/cancel")) {
            String id = path.substring("/api/2.0/sql/statements/".length(), path.length() - "/cancel".length());
            Future<?> f = running.get(id);
            if (f != null) {
                f.cancel(true);
            }
            ObjectNode s = statements.get(id);
            if (s != null && !terminal(s)) {
                s.with("status").put("state", "CANCELED");
            }
            send(ex, 200, "application/json", "{}");
        } else if (path.startsWith("/api/2.0/sql/statements/")) {
            ObjectNode s = statements.get(path.substring("/api/2.0/sql/statements/".length()));
            if (s == null) {
                send(ex, 404, "application/json", error("NOT_FOUND", "No statement " + path));
            } else {
                send(ex, 200, "application/json", s.toString());
            }
        } else if (path.equals("/api/2.2/jobs/run-now")) {
            runNow(ex);
        } else if (path.equals("/api/2.2/jobs/runs/get")) {
            ObjectNode run = runs.get(Long.parseLong(params(ex.getRequestURI().getRawQuery()).getOrDefault("run_id", "0")));
            if (run == null) {
                send(ex, 400, "application/json", error("INVALID_PARAMETER_VALUE", "Run not found"));
            } else {
                int polls = run.path("polls").asInt() + 1;
                run.put("polls", polls);
                List<String> script = jobStates;
                String lifeCycle = script != null ? script.get(Math.min(polls, script.size()) - 1) : polls >= 2 ? "TERMINATED" : "RUNNING";
                run.with("state").put("life_cycle_state", lifeCycle);
                if (lifeCycle.equals("TERMINATED")) {
                    run.with("state").put("result_state", "SUCCESS");
                }
                send(ex, 200, "application/json", run.toString());
            }
        } else {
            send(ex, 404, "application/json", error("ENDPOINT_NOT_FOUND", "No API found for " + path));
        }
    }

    private void token(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String expected = "Basic " + Base64.getEncoder().encodeToString((clientId + ":" + clientSecret).getBytes(StandardCharsets.UTF_8));
        Map<String, String> form = params(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (!expected.equals(auth)) {
            send(ex, 401, "application/json", "{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}");
            return;
        }
        if (!"client_credentials".equals(form.get("grant_type")) || !"all-apis".equals(form.get("scope"))) {
            send(ex, 400, "application/json", "{\"error\":\"invalid_request\",\"error_description\":\"grant_type client_credentials and scope all-apis required\"}");
            return;
        }
        tokenCount.incrementAndGet();
        String t = tokens.issue(audience(), 3600);
        send(ex, 200, "application/json", "{\"access_token\":\"" + t + "\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"scope\":\"all-apis\"}");
    }

    private void submit(HttpExchange ex) throws IOException {
        byte[] raw = ex.getRequestBody().readAllBytes();
        JsonNode req = JSON.readTree(raw);
        String text = req.path("statement").asText("");
        String fingerprint = Integer.toHexString(req.path("parameters").toString().hashCode());
        if (throttledSubmissions.remove(submissionCount.incrementAndGet())) {
            submissions.add(new Submission(java.time.Instant.now(), text, fingerprint, true));
            ex.getResponseHeaders().set("Retry-After", String.valueOf(retryAfterSeconds));
            send(ex, 429, "application/json", error("REQUEST_LIMIT_EXCEEDED", "Too many requests"));
            return;
        }
        submissions.add(new Submission(java.time.Instant.now(), text, fingerprint, false));
        if (!warehouseId.equals(req.path("warehouse_id").asText())) {
            send(ex, 404, "application/json", error("RESOURCE_DOES_NOT_EXIST", "No SQL warehouse " + req.path("warehouse_id").asText()));
            return;
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_STATEMENT_BYTES) {
            send(ex, 400, "application/json", error("INVALID_PARAMETER_VALUE", "statement is larger than 16 MiB"));
            return;
        }
        if (!catalog.equals(req.path("catalog").asText(catalog)) || !schema.equals(req.path("schema").asText(schema))) {
            send(ex, 400, "application/json", error("SCHEMA_NOT_FOUND", "[SCHEMA_NOT_FOUND] " + req.path("catalog").asText()
                    + "." + req.path("schema").asText() + " cannot be found"));
            return;
        }
        statementCount.incrementAndGet();
        String id = UUID.randomUUID().toString();
        ObjectNode s = JSON.createObjectNode().put("statement_id", id);
        s.putObject("status").put("state", "PENDING");
        statements.put(id, s);
        running.put(id, warehouse.submit(() -> execute(s, text, req.path("parameters"))));
        long wait = waitSeconds(req.path("wait_timeout").asText("10s"));
        Future<?> f = running.get(id);
        try {
            if (wait > 0) {
                f.get(wait, TimeUnit.SECONDS);
            }
        } catch (Exception timedOutOrFailed) {
            if ("CANCEL".equals(req.path("on_wait_timeout").asText("CONTINUE")) && !terminal(s)) {
                f.cancel(true);
                s.with("status").put("state", "CANCELED");
            }
        }
        send(ex, 200, "application/json", s.toString());
    }

    private void execute(ObjectNode s, String text, JsonNode parameters) {
        s.with("status").put("state", "RUNNING");
        try {
            if (statementDelayMillis > 0) {
                Thread.sleep(statementDelayMillis);
            }
            List<DatabricksWarehouse.Param> params = new ArrayList<>();
            for (JsonNode p : parameters) {
                params.add(new DatabricksWarehouse.Param(p.path("name").asText(), p.path("type").asText("STRING"),
                        !p.has("value") || p.path("value").isNull() ? null : p.path("value").asText()));
            }
            if (stopped) {
                throw new IllegalStateException("[WAREHOUSE_STOPPED] the SQL warehouse " + warehouseId + " is stopped");
            }
            String refused = refusedPrefix;
            if (refused != null && text.startsWith(refused)) {
                throw new IllegalStateException("[INTERNAL_ERROR] the warehouse failed the statement (made to fail by the test)");
            }
            List<List<String>> rows = engine.execute(text, params);
            if (!rows.isEmpty()) {
                ArrayNode data = JSON.createArrayNode();
                for (List<String> r : rows) {
                    ArrayNode row = data.addArray();
                    r.forEach(row::add);
                }
                s.putObject("result").set("data_array", data);
            }
            if (!"CANCELED".equals(s.path("status").path("state").asText())) {
                s.with("status").put("state", "SUCCEEDED");
            }
        } catch (InterruptedException e) {
            s.with("status").put("state", "CANCELED");
        } catch (Exception e) {
            ObjectNode status = s.with("status");
            status.put("state", "FAILED");
            status.putObject("error").put("error_code", "BAD_REQUEST").put("message", String.valueOf(e.getMessage()));
        }
    }

    private void runNow(HttpExchange ex) throws IOException {
        JsonNode req = JSON.readTree(ex.getRequestBody());
        String token = req.path("idempotency_token").asText(null);
        if (token != null && token.length() > 64) {
            send(ex, 400, "application/json", error("INVALID_PARAMETER_VALUE", "idempotency_token is longer than 64 characters"));
            return;
        }
        JsonNode params = req.path("job_parameters");
        if (!params.isMissingNode() && !params.isNull()) {
            // Jobs API: job_parameters is a map of strings, and a run's parameters serialise to at most 10,000 bytes
            if (!params.isObject()) {
                send(ex, 400, "application/json", error("INVALID_PARAMETER_VALUE", "job_parameters must be an object of strings"));
                return;
            }
            for (java.util.Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    send(ex, 400, "application/json", error("INVALID_PARAMETER_VALUE", "job_parameters." + e.getKey() + " must be a string"));
                    return;
                }
            }
            if (JSON.writeValueAsBytes(params).length > 10_000) {
                send(ex, 400, "application/json", error("INVALID_PARAMETER_VALUE", "job_parameters exceed 10000 bytes"));
                return;
            }
        }
        long jobId = req.path("job_id").asLong();
        Long existing = token == null ? null : runsByToken.get(jobId + "/" + token);
        long runId = existing != null ? existing : runIds.incrementAndGet();
        if (existing == null) {
            ObjectNode run = JSON.createObjectNode().put("run_id", runId).put("job_id", jobId).put("polls", 0);
            if (params.isObject()) {
                run.set("job_parameters", params);
            }
            run.putObject("state").put("life_cycle_state", "PENDING");
            runs.put(runId, run);
            if (token != null) {
                runsByToken.put(jobId + "/" + token, runId);
            }
        }
        send(ex, 200, "application/json", JSON.createObjectNode().put("run_id", runId).put("number_in_job", runId).toString());
    }

    private static boolean terminal(ObjectNode s) {
        String state = s.path("status").path("state").asText();
        return state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELED") || state.equals("CLOSED");
    }

    private static long waitSeconds(String t) {
        return Long.parseLong(t.replace("s", "").trim());
    }

    private static String error(String code, String message) {
        return "{\"error_code\":" + quote(code) + ",\"message\":" + quote(message) + "}";
    }

    @Override
    public void close() {
        super.close();
        warehouse.shutdownNow();
        engine.close();
        volumes.close();
    }
}
