package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Databricks workspace as the connector uses it: OAuth M2M tokens ({@code /oidc/v1/token}, HTTP Basic, scope
 * all-apis), the SQL Statement Execution API ({@code /api/2.0/sql/statements}: PENDING → RUNNING → SUCCEEDED /
 * FAILED / CANCELED, wait_timeout and on_wait_timeout, named parameters only, 16 MiB statements) running the
 * statements for real on an in-memory H2 database tests can read (Databricks SQL is translated: backticks,
 * {@code USING DELTA}, {@code TBLPROPERTIES}, {@code ADD COLUMNS}, {@code SHOW COLUMNS}), and Jobs run-now with
 * idempotency tokens (the same token returns the same run).
 */
public final class DatabricksEmulator extends EmulatorServer {
    public static final long MAX_STATEMENT_BYTES = 16L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PARAM = Pattern.compile(":([A-Za-z_][A-Za-z0-9_]*)");

    private final SandboxTokens tokens;
    private final String clientId;
    private final String clientSecret;
    private final String warehouseId;
    private final String catalog;
    private final String schema;
    private final Connection db;
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
        super(port);
        this.tokens = tokens;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.warehouseId = warehouseId;
        this.catalog = catalog;
        this.schema = schema;
        try {
            db = DriverManager.getConnection("jdbc:h2:mem:databricks-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            try (Statement st = db.createStatement()) {
                st.execute("CREATE SCHEMA \"" + h2Schema() + "\"");
                st.execute("SET SCHEMA \"" + h2Schema() + "\"");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start the Databricks emulator's warehouse", e);
        }
        start();
    }

    public String audience() {
        return "databricks:" + baseUrl();
    }

    private String h2Schema() {
        return catalog + "." + schema;
    }

    /** Every statement takes at least this long (a slow warehouse). */
    public void setStatementDelayMillis(long ms) {
        this.statementDelayMillis = ms;
    }

    public void throttleNext(int n) {
        forced429.set(n);
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

    /** Reads the warehouse directly (tests compare what landed). */
    public List<Map<String, Object>> query(String sql) throws SQLException {
        synchronized (db) {
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                List<Map<String, Object>> out = new ArrayList<>();
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, Object> row = new java.util.LinkedHashMap<>();
                    for (int i = 1; i <= n; i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
                return out;
            }
        }
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
        if (path.equals("/api/2.0/sql/statements") && ex.getRequestMethod().equals("POST")) {
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
                run.with("state").put("life_cycle_state", polls >= 2 ? "TERMINATED" : "RUNNING");
                if (polls >= 2) {
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
            List<Object> values = new ArrayList<>();
            String sql = translate(text, parameters, values);
            String index = naturalKeyIndex(text);
            synchronized (db) {
                try (PreparedStatement ps = db.prepareStatement(sql)) {
                    for (int i = 0; i < values.size(); i++) {
                        ps.setObject(i + 1, values.get(i));
                    }
                    boolean hasResult = ps.execute();
                    if (index != null) {
                        try (Statement st = db.createStatement()) {
                            st.execute(index); // Delta has no index; H2 needs one to MERGE a big table in reasonable time
                        }
                    }
                    if (hasResult) {
                        try (ResultSet rs = ps.getResultSet()) {
                            ArrayNode data = JSON.createArrayNode();
                            int n = rs.getMetaData().getColumnCount();
                            while (rs.next()) {
                                ArrayNode row = data.addArray();
                                for (int i = 1; i <= n; i++) {
                                    row.add(rs.getString(i));
                                }
                            }
                            s.putObject("result").set("data_array", data);
                        }
                    }
                }
            }
            if (!"CANCELED".equals(s.path("status").path("state").asText())) {
                s.with("status").put("state", "SUCCEEDED");
            }
        } catch (InterruptedException e) {
            s.with("status").put("state", "CANCELED");
        } catch (Exception e) {
            String message = e instanceof SQLException sql ? "[PARSE_SYNTAX_ERROR] " + sql.getMessage().split("\n")[0] : e.getMessage();
            ObjectNode status = s.with("status");
            status.put("state", "FAILED");
            status.putObject("error").put("error_code", "BAD_REQUEST").put("message", message);
        }
    }

    /** Databricks SQL to H2: named parameters bound in order, Delta clauses dropped, identifiers quoted H2's way. */
    private static String translate(String text, JsonNode parameters, List<Object> values) {
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode p : parameters) {
            byName.put(p.path("name").asText(), p);
        }
        StringBuilder out = new StringBuilder(text.length());
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'') {
                inString = !inString;
                out.append(c);
            } else if (!inString && c == '`') {
                out.append('"');
            } else if (!inString && c == ':' && i + 1 < text.length() && Character.isLetter(text.charAt(i + 1))) {
                Matcher m = PARAM.matcher(text);
                m.find(i);
                String name = m.group(1);
                JsonNode p = byName.get(name);
                if (p == null) {
                    throw new IllegalArgumentException("[UNBOUND_SQL_PARAMETER] Found the unbound parameter: " + name);
                }
                values.add(value(p));
                out.append("CAST(? AS ").append(h2Type(p.path("type").asText("STRING"))).append(')');
                i = m.end() - 1;
            } else {
                out.append(c);
            }
        }
        String sql = out.toString();
        Matcher show = Pattern.compile("(?is)^\\s*SHOW\\s+COLUMNS\\s+IN\\s+\"?([A-Za-z0-9_]+)\"?\\s*$").matcher(sql);
        if (show.matches()) {
            return "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = SCHEMA() AND TABLE_NAME = '"
                    + show.group(1) + "' ORDER BY ORDINAL_POSITION";
        }
        sql = sql.replaceAll("(?i)\\s+USING\\s+DELTA", "")
                .replaceAll("(?is)\\s+TBLPROPERTIES\\s*\\(.*?\\)\\s*$", "")
                .replaceAll("(?i)\\bADD\\s+COLUMNS\\b", "ADD")
                .replaceAll("(?i)\\bSTRING\\b", "VARCHAR")
                .replaceAll("(?i)\\bTIMESTAMP\\b(?!\\s+WITH)", "TIMESTAMP WITH TIME ZONE");
        return sql;
    }

    private static String naturalKeyIndex(String text) {
        Matcher m = Pattern.compile("(?is)^\\s*CREATE\\s+TABLE\\s+IF\\s+NOT\\s+EXISTS\\s+`([A-Za-z0-9_]+)`.*'ml_connector\\.natural_key'\\s*=\\s*'([^']+)'").matcher(text);
        if (!m.find()) {
            return null;
        }
        String cols = java.util.Arrays.stream(m.group(2).split(",")).map(c -> "\"" + c.trim() + "\"").collect(java.util.stream.Collectors.joining(", "));
        return "CREATE INDEX IF NOT EXISTS \"" + m.group(1) + "_natural_key\" ON \"" + m.group(1) + "\" (" + cols + ")";
    }

    private static String h2Type(String type) {
        String t = type.toUpperCase(Locale.ROOT);
        if (t.startsWith("DECIMAL")) {
            return t;
        }
        return switch (t) {
            case "STRING" -> "VARCHAR";
            case "INT" -> "INTEGER";
            case "TIMESTAMP" -> "TIMESTAMP WITH TIME ZONE";
            default -> t;
        };
    }

    private static Object value(JsonNode p) {
        if (!p.has("value") || p.path("value").isNull()) {
            return null;
        }
        String v = p.path("value").asText();
        String type = p.path("type").asText("STRING").toUpperCase(Locale.ROOT);
        if (type.startsWith("DECIMAL")) {
            return new BigDecimal(v);
        }
        return switch (type) {
            case "BIGINT", "LONG" -> Long.parseLong(v);
            case "INT", "INTEGER" -> Integer.parseInt(v);
            case "BOOLEAN" -> Boolean.parseBoolean(v);
            case "DATE" -> LocalDate.parse(v);
            case "TIMESTAMP" -> OffsetDateTime.parse(v);
            case "STRING" -> v;
            default -> throw new IllegalArgumentException("[INVALID_PARAMETER_VALUE] unknown parameter type " + type);
        };
    }

    private void runNow(HttpExchange ex) throws IOException {
        JsonNode req = JSON.readTree(ex.getRequestBody());
        String token = req.path("idempotency_token").asText(null);
        if (token != null && token.length() > 64) {
            send(ex, 400, "application/json", error("INVALID_PARAMETER_VALUE", "idempotency_token is longer than 64 characters"));
            return;
        }
        long jobId = req.path("job_id").asLong();
        Long existing = token == null ? null : runsByToken.get(jobId + "/" + token);
        long runId = existing != null ? existing : runIds.incrementAndGet();
        if (existing == null) {
            ObjectNode run = JSON.createObjectNode().put("run_id", runId).put("job_id", jobId).put("polls", 0);
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
        try {
            db.close();
        } catch (SQLException ignored) {
            // in memory: nothing to lose
        }
    }
}
