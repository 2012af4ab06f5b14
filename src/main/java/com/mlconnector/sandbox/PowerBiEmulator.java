package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mlconnector.http.PacingClock;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Power BI REST API for push datasets under {@code /v1.0/myorg}, with Power BI's limits enforced: a token for
 * the Power BI audience, one workspace the principal may use, at most 75 tables and 75 columns, 10,000 rows per
 * POST, values of the declared types and strings up to 4,000 characters (400 otherwise, and for an unknown table),
 * 120 row POSTs per minute and 1,000,000 rows per hour per dataset, 120 POSTs per hour to a table that holds
 * 250,000 rows, 5 POSTs pending at once (429 + Retry-After beyond), basicFIFO keeping the newest 200,000 rows and
 * 5,000,000 rows at most without a retention policy. Time comes from a {@link PacingClock} tests can speed up.
 * Rows are kept for assertions. Import-mode datasets can be refreshed; the refresh completes after a few polls.
 */
public final class PowerBiEmulator extends EmulatorServer {
    public static final String AUDIENCE = "https://analysis.windows.net/powerbi/api";
    private static final Set<String> TYPES = Set.of("Int64", "Double", "Boolean", "Datetime", "String", "Decimal");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Limits, configurable so a test or the benchmark can make windows small. */
    public record Limits(int rowsPerPost, int postsPerMinute, long rowsPerHour, int postsPerHourLargeTable,
                         long largeTableRows, int pendingPosts, int fifoRows, long maxRowsNoRetention) {
        public static Limits powerBi() {
            return new Limits(10_000, 120, 1_000_000, 120, 250_000, 5, 200_000, 5_000_000);
        }
    }

    public static final class Table {
        final LinkedHashMap<String, String> columns = new LinkedHashMap<>();
        final Deque<Map<String, Object>> rows = new ArrayDeque<>();
        long count;
        final Deque<Instant> posts = new ArrayDeque<>();

        public synchronized List<Map<String, Object>> rows() {
            return new ArrayList<>(rows);
        }

        public synchronized long count() {
            return count;
        }

        public synchronized Map<String, String> columns() {
            return new LinkedHashMap<>(columns);
        }
    }

    public static final class Dataset {
        final String id;
        final String name;
        final String retention;
        final boolean push;
        final Map<String, Table> tables = new ConcurrentHashMap<>();
        final Deque<Instant> posts = new ArrayDeque<>();
        final Deque<Object[]> rowsInHour = new ArrayDeque<>();
        final AtomicInteger pending = new AtomicInteger();
        /** An import model's refreshes, sources and imported rows (null for a push dataset). */
        ImportModels.Model model;

        Dataset(String id, String name, String retention, boolean push) {
            this.id = id;
            this.name = name;
            this.retention = retention;
            this.push = push;
        }

        public String id() { return id; }
        public String name() { return name; }
        public Table table(String name) { return tables.get(name); }
        /** Refreshes asked of this model so far. */
        public int refreshesAsked() {
            if (model == null) {
                return 0;
            }
            synchronized (model) {
                return model.refreshes.size();
            }
        }
    }

    private final SandboxTokens tokens;
    private final String workspace;
    private final PacingClock clock;
    private final Limits limits;
    private final boolean keepRows;
    private final Map<String, Dataset> datasets = new ConcurrentHashMap<>();
    private final ImportModels models;
    private final AtomicInteger forced429 = new AtomicInteger();
    private final AtomicLong rateLimited = new AtomicLong();
    private final AtomicLong rowPosts = new AtomicLong();
    private volatile boolean principalsAllowed = true;
    private final List<Object[]> postLog = java.util.Collections.synchronizedList(new ArrayList<>());

    public PowerBiEmulator(int port, SandboxTokens tokens, String workspace, PacingClock clock, Limits limits, boolean keepRows) {
        super(port);
        this.tokens = tokens;
        this.workspace = workspace;
        this.clock = clock;
        this.limits = limits;
        this.keepRows = keepRows;
        this.models = new ImportModels(clock);
        start();
    }

    /** The API root a client is configured with: {@code https://127.0.0.1:port/v1.0/myorg}. */
    public String apiUrl() {
        return baseUrl() + "/v1.0/myorg";
    }

    public String workspace() { return workspace; }
    /** 429s the connector's pacing should have avoided (rate limits hit); forced ones are not counted. */
    public long rateLimited() { return rateLimited.get(); }
    public long rowPosts() { return rowPosts.get(); }
    public void throttleNext(int n) { forced429.set(n); }
    private volatile boolean throttleEachStepOnce;
    private final java.util.Set<String> throttledSteps = ConcurrentHashMap.newKeySet();
    /** Answers the first request of every kind (method and resource: list datasets, delete rows, post rows, …) with 429. */
    public void throttleEachStepOnce(boolean on) {
        throttledSteps.clear();
        throttleEachStepOnce = on;
    }
    /** Every accepted POST rows request: when (sandbox time) and how many rows. */
    public List<Object[]> postLog() {
        synchronized (postLog) {
            return new ArrayList<>(postLog);
        }
    }
    /** As if the tenant admin had not allowed service principals to use Power BI APIs. */
    public void allowServicePrincipals(boolean allowed) { principalsAllowed = allowed; }

    public Dataset dataset(String name) {
        return datasets.values().stream().filter(d -> d.name.equals(name)).findFirst().orElse(null);
    }

    /** An import-mode model (fed from a database) that can be refreshed, as a report's model would be. */
    public String addImportModel(String name) {
        return addImportModel(name, UUID.randomUUID().toString());
    }

    public String addImportModel(String name, String id) {
        return addImportModel(name, id, () -> null, "someone@contoso.com");
    }

    /**
     * An import model with a TMDL definition (the Fabric emulator's, as it is now), owned by {@code owner}: its
     * refreshes read the databases its partitions name.
     */
    public String addImportModel(String name, String id, java.util.function.Supplier<TmdlModel> definition, String owner) {
        Dataset d = new Dataset(id, name, "None", false);
        datasets.put(d.id, d);
        d.model = models.add(id, definition, owner);
        return d.id;
    }

    /** The workspace is on shared capacity (Pro): enhanced refreshes are refused, 8 refreshes a day. */
    public void sharedCapacity(boolean shared) {
        models.sharedCapacity(shared);
    }

    /** How long a model's refresh runs (clock time) before it reads its sources and ends. */
    public void refreshTakes(Duration d) {
        models.refreshTakes(d);
    }

    /** The status a second refresh of a busy model is refused with: 400 (today's service) or 409 (older ones). */
    public void refreshBusyStatus(int status) {
        models.busyStatus(status);
    }

    /**
     * A gateway's view: a partition naming {@code server} and {@code database} is read at {@code jdbcUrl}, and the
     * credentials set on that data source must be {@code username}/{@code password}.
     */
    public void reachSource(String server, String database, String jdbcUrl, String jdbcUser, String jdbcPassword,
                            String username, String password) {
        models.reachSource(server, database, new ImportModels.Reach(jdbcUrl, jdbcUser, jdbcPassword, username, password));
    }

    /** Power BI's own schedule starts a refresh of the model (not asked through the API; it counts in the day's refreshes). */
    public void scheduledRefresh(String modelId) {
        models.scheduled(modelId);
    }

    /** The refresh requests' bodies, as they came (tests). */
    public List<JsonNode> refreshRequests() {
        return models.refreshRequests();
    }

    /** Rows the model's table holds after its last committed refresh; null before one. */
    public Long modelRows(String modelId, String table) {
        return models.rows(modelId, table);
    }

    private final java.util.Set<String> headerNamesSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The names of every request header the emulator received (lower case): tests check what went on the wire. */
    public java.util.Set<String> headerNamesSeen() {
        return java.util.Set.copyOf(headerNamesSeen);
    }

    @Override
    protected void handle(HttpExchange ex) throws IOException {
        ex.getRequestHeaders().keySet().forEach(h -> headerNamesSeen.add(h.toLowerCase(java.util.Locale.ROOT)));
        String path = ex.getRequestURI().getPath();
        String prefix = "/v1.0/myorg/groups/";
        SandboxTokens.Refusal refusal = tokens.check(ex.getRequestHeaders().getFirst("Authorization"), AUDIENCE);
        if (refusal != null) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", error=\"invalid_token\"");
            send(ex, 401, "application/json", error("TokenExpired".equals(refusal.name()) ? "TokenExpired" : "Unauthorized", refusal.name()));
            return;
        }
        if (!principalsAllowed) {
            send(ex, 401, "application/json", error("PowerBINotAuthorizedException", "Service principals are not allowed to use Power BI APIs in this tenant"));
            return;
        }
        String gateways = "/v1.0/myorg/gateways/";
        if (path.startsWith(gateways) && path.substring(gateways.length()).split("/").length == 3
                && path.substring(gateways.length()).split("/")[1].equals("datasources")) {
            String[] g = path.substring(gateways.length()).split("/");
            models.updateDatasource(ex, g[0], g[2]);
            return;
        }
        if (!path.startsWith(prefix)) {
            send(ex, 404, "application/json", error("NotFound", "No such endpoint " + path));
            return;
        }
        String[] seg = path.substring(prefix.length()).split("/");
        if (!seg[0].equals(workspace)) {
            send(ex, 404, "application/json", error("PowerBIEntityNotFound", "Couldn't find workspace " + seg[0]
                    + " (or the principal is not a member of it)"));
            return;
        }
        String method = ex.getRequestMethod();
        if (throttleEachStepOnce && throttledSteps.add(method + " " + path)) {
            tooMany(ex, Duration.ofSeconds(1), "Throttled (injected, first " + method + " of this resource)");
            return;
        }
        if (seg.length == 2 && seg[1].equals("datasets")) {
            if (method.equals("GET")) {
                ArrayNode list = JSON.createArrayNode();
                datasets.values().forEach(d -> list.addObject().put("id", d.id).put("name", d.name)
                        .put("addRowsAPIEnabled", d.push).put("defaultRetentionPolicy", d.retention));
                send(ex, 200, "application/json", JSON.createObjectNode().set("value", list).toString());
            } else if (method.equals("POST")) {
                createDataset(ex);
            } else {
                send(ex, 405, "application/json", error("MethodNotAllowed", method));
            }
            return;
        }
        Dataset d = seg.length >= 3 ? datasets.get(seg[2]) : null;
        if (d == null) {
            send(ex, 404, "application/json", error("ItemNotFound", "Dataset " + (seg.length >= 3 ? seg[2] : "") + " not found"));
            return;
        }
        if (seg.length >= 4 && d.push && List.of("refreshes", "executeQueries", "datasources", "Default.TakeOver").contains(seg[3])) {
            send(ex, 400, "application/json", error("InvalidRequest", seg[3] + " is not supported for push datasets"));
            return;
        }
        if (seg.length >= 4 && !d.push && models.handle(ex, d.id, java.util.Arrays.copyOfRange(seg, 3, seg.length))) {
            return;
        }
        if (seg.length == 4 && seg[3].equals("tables") && method.equals("GET")) {
            ArrayNode list = JSON.createArrayNode();
            d.tables.keySet().forEach(t -> list.addObject().put("name", t));
            send(ex, 200, "application/json", JSON.createObjectNode().set("value", list).toString());
            return;
        }
        if (seg.length == 5 && seg[3].equals("tables") && method.equals("PUT")) {
            putTable(ex, d, seg[4]);
            return;
        }
        if (seg.length == 6 && seg[3].equals("tables") && seg[5].equals("rows")) {
            Table t = d.tables.get(seg[4]);
            if (t == null) {
                send(ex, 400, "application/json", error("InvalidRequest", "Table '" + seg[4] + "' does not exist in dataset " + d.name));
                return;
            }
            if (method.equals("DELETE")) {
                synchronized (t) {
                    t.rows.clear();
                    t.count = 0;
                }
                send(ex, 200, "application/json", "{}");
            } else if (method.equals("POST")) {
                postRows(ex, d, t);
            } else {
                send(ex, 405, "application/json", error("MethodNotAllowed", method));
            }
            return;
        }
        send(ex, 404, "application/json", error("NotFound", "No such endpoint " + path));
    }

    private void createDataset(HttpExchange ex) throws IOException {
        Map<String, String> q = params(ex.getRequestURI().getRawQuery());
        String retention = q.getOrDefault("defaultRetentionPolicy", "None");
        if (!retention.equals("None") && !retention.equals("basicFIFO")) {
            send(ex, 400, "application/json", error("InvalidRequest", "Unknown defaultRetentionPolicy " + retention));
            return;
        }
        JsonNode body = JSON.readTree(ex.getRequestBody());
        if (!"Push".equals(body.path("defaultMode").asText()) || body.path("name").asText().isEmpty()) {
            send(ex, 400, "application/json", error("InvalidRequest", "A push dataset needs a name and defaultMode Push"));
            return;
        }
        if (body.path("tables").size() > 75) {
            send(ex, 400, "application/json", error("InvalidRequest", "A dataset can have at most 75 tables"));
            return;
        }
        Dataset d = new Dataset(UUID.randomUUID().toString(), body.path("name").asText(), retention, true);
        for (JsonNode t : body.path("tables")) {
            String problem = schema(d, t.path("name").asText(), t);
            if (problem != null) {
                send(ex, 400, "application/json", error("InvalidRequest", problem));
                return;
            }
        }
        datasets.put(d.id, d);
        send(ex, 201, "application/json", JSON.createObjectNode().put("id", d.id).put("name", d.name)
                .put("defaultRetentionPolicy", retention).toString());
    }

    private void putTable(HttpExchange ex, Dataset d, String name) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody());
        if (!d.tables.containsKey(name) && d.tables.size() >= 75) {
            send(ex, 400, "application/json", error("InvalidRequest", "A dataset can have at most 75 tables"));
            return;
        }
        String problem = schema(d, name, body);
        if (problem != null) {
            send(ex, 400, "application/json", error("InvalidRequest", problem));
            return;
        }
        send(ex, 200, "application/json", body.toString());
    }

    /** Sets a table's columns; returns what is wrong with them, or null. */
    private static String schema(Dataset d, String name, JsonNode table) {
        JsonNode cols = table.path("columns");
        if (name.isEmpty() || !cols.isArray() || cols.isEmpty()) {
            return "A table needs a name and columns";
        }
        if (cols.size() > 75) {
            return "Table '" + name + "' has " + cols.size() + " columns; at most 75 are allowed";
        }
        LinkedHashMap<String, String> columns = new LinkedHashMap<>();
        for (JsonNode c : cols) {
            String type = c.path("dataType").asText();
            if (!TYPES.contains(type)) {
                return "Column '" + c.path("name").asText() + "' has unknown dataType '" + type + "'";
            }
            columns.put(c.path("name").asText(), type);
        }
        Table t = d.tables.computeIfAbsent(name, n -> new Table());
        synchronized (t) {
            t.columns.clear();
            t.columns.putAll(columns);
        }
        return null;
    }

    private void postRows(HttpExchange ex, Dataset d, Table t) throws IOException {
        if (d.pending.incrementAndGet() > limits.pendingPosts()) {
            d.pending.decrementAndGet();
            rateLimited.incrementAndGet();
            tooMany(ex, Duration.ofSeconds(1), "More than " + limits.pendingPosts() + " pending POST rows requests");
            return;
        }
        try {
            JsonNode body = JSON.readTree(ex.getRequestBody());
            JsonNode rows = body.path("rows");
            if (!rows.isArray()) {
                send(ex, 400, "application/json", error("InvalidRequest", "Body must be {\"rows\":[...]}"));
                return;
            }
            if (rows.size() > limits.rowsPerPost()) {
                send(ex, 400, "application/json", error("InvalidRequest", rows.size() + " rows in one request; at most "
                        + limits.rowsPerPost() + " are allowed"));
                return;
            }
            String problem = checkRows(t, rows);
            if (problem != null) {
                send(ex, 400, "application/json", error("InvalidRequest", problem));
                return;
            }
            if (forced429.get() > 0 && forced429.getAndDecrement() > 0) {
                tooMany(ex, Duration.ofSeconds(1), "Throttled (injected)");
                return;
            }
            Duration wait;
            synchronized (d) {
                wait = rateWait(d, t, rows.size());
                if (wait == null) {
                    Instant now = clock.now();
                    d.posts.addLast(now);
                    d.rowsInHour.addLast(new Object[]{now, (long) rows.size()});
                    synchronized (t) {
                        t.posts.addLast(now);
                    }
                }
            }
            if (wait != null) {
                rateLimited.incrementAndGet();
                tooMany(ex, wait, "Rate limit exceeded for dataset " + d.name);
                return;
            }
            synchronized (t) {
                if ("None".equals(d.retention) && t.count + rows.size() > limits.maxRowsNoRetention()) {
                    send(ex, 400, "application/json", error("InvalidRequest", "Table would exceed " + limits.maxRowsNoRetention() + " rows"));
                    return;
                }
                for (JsonNode r : rows) {
                    if (keepRows) {
                        t.rows.addLast(JSON.convertValue(r, Map.class));
                    }
                    t.count++;
                }
                if ("basicFIFO".equals(d.retention)) {
                    while (t.count > limits.fifoRows()) {
                        t.rows.pollFirst();
                        t.count--;
                    }
                }
            }
            rowPosts.incrementAndGet();
            postLog.add(new Object[]{clock.now(), rows.size()});
            send(ex, 200, "application/json", "{}");
        } finally {
            d.pending.decrementAndGet();
        }
    }

    /** How long until this POST would be within the limits; null when it is now. */
    private Duration rateWait(Dataset d, Table t, long rows) {
        Instant now = clock.now();
        Instant minuteAgo = now.minusSeconds(60);
        Instant hourAgo = now.minusSeconds(3600);
        while (!d.posts.isEmpty() && !d.posts.peekFirst().isAfter(minuteAgo)) {
            d.posts.pollFirst();
        }
        long inHour = 0;
        while (!d.rowsInHour.isEmpty() && !((Instant) d.rowsInHour.peekFirst()[0]).isAfter(hourAgo)) {
            d.rowsInHour.pollFirst();
        }
        for (Object[] e : d.rowsInHour) {
            inHour += (Long) e[1];
        }
        if (d.posts.size() >= limits.postsPerMinute()) {
            return Duration.between(minuteAgo, d.posts.peekFirst()).plusSeconds(1);
        }
        if (inHour + rows > limits.rowsPerHour()) {
            long free = 0;
            for (Object[] e : d.rowsInHour) {
                free += (Long) e[1];
                if (inHour - free + rows <= limits.rowsPerHour()) {
                    return Duration.between(hourAgo, (Instant) e[0]).plusSeconds(1);
                }
            }
            return Duration.ofSeconds(3600);
        }
        synchronized (t) {
            while (!t.posts.isEmpty() && !t.posts.peekFirst().isAfter(hourAgo)) {
                t.posts.pollFirst();
            }
            if (t.count >= limits.largeTableRows() && t.posts.size() >= limits.postsPerHourLargeTable()) {
                return Duration.between(hourAgo, t.posts.peekFirst()).plusSeconds(1);
            }
        }
        return null;
    }

    private static String checkRows(Table t, JsonNode rows) {
        Map<String, String> cols;
        synchronized (t) {
            cols = new LinkedHashMap<>(t.columns);
        }
        int i = 0;
        for (JsonNode r : rows) {
            var it = r.fields();
            while (it.hasNext()) {
                var f = it.next();
                String type = cols.get(f.getKey());
                if (type == null) {
                    return "Row " + i + ": column '" + f.getKey() + "' is not in the table";
                }
                JsonNode v = f.getValue();
                if (v.isNull()) {
                    continue;
                }
                boolean ok = switch (type) {
                    case "Int64" -> v.isIntegralNumber();
                    case "Double", "Decimal" -> v.isNumber();
                    case "Boolean" -> v.isBoolean();
                    case "Datetime" -> v.isTextual() && isDate(v.asText());
                    default -> v.isTextual() && v.asText().length() <= 4000;
                };
                if (!ok) {
                    return "Row " + i + ": value of column '" + f.getKey() + "' is not a valid " + type
                            + (v.isTextual() && v.asText().length() > 4000 ? " (strings are limited to 4000 characters)" : "");
                }
            }
            i++;
        }
        return null;
    }

    private static boolean isDate(String s) {
        try {
            OffsetDateTime.parse(s);
            return true;
        } catch (DateTimeParseException e) {
            try {
                java.time.LocalDateTime.parse(s);
                return true;
            } catch (DateTimeParseException e2) {
                return false;
            }
        }
    }

    private static void tooMany(HttpExchange ex, Duration wait, String message) throws IOException {
        ex.getResponseHeaders().set("Retry-After", String.valueOf(Math.max(1, (wait.toMillis() + 999) / 1000)));
        send(ex, 429, "application/json", error("TooManyRequests", message));
    }

    private static String error(String code, String message) {
        return "{\"error\":{\"code\":" + quote(code) + ",\"message\":" + quote(message) + "}}";
    }
}
