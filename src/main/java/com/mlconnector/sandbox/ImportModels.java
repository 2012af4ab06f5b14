package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mlconnector.http.PacingClock;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.mlconnector.sandbox.EmulatorServer.send;

/**
 * The Power BI REST API on import-mode semantic models (../shared/reference/api-facts.md, "Power BI semantic models"):
 * <ul>
 * <li>refreshes: the plain one ({@code notifyOption} alone) and the enhanced one (any other field: type, commitMode,
 * objects, retryCount, timeout, …, then without notifyOption), which needs capacity; on shared capacity enhanced is
 * refused and plain ones are limited to 8 in 24 hours. One refresh per model at a time (a second is refused: 400, or 409
 * as older services answered). {@code Location: …/refreshes/{id}}; {@code GET} of it is 202 while it runs and 200 at
 * its end, with status, extendedStatus and each object's status;</li>
 * <li>a refresh <em>reads the database</em> each partition's M expression names ({@code PostgreSQL.Database(server,
 * db)}, {@code Source{[Schema, Item]}}) over JDBC with the credentials set on the data source: missing credentials, a
 * missing table or source column fail it as Power BI would; transactional commits all objects or none;</li>
 * <li>executeQueries: one query a call, {@code EVALUATE ROW("name", COUNTROWS('Table'), …)}, answered from what the last
 * committed refresh read (an empty table counts BLANK, as DAX says), at most 120 a minute;</li>
 * <li>datasources, Default.TakeOver, and PATCH of a data source's credentials (Basic; only the model's owner).</li>
 * </ul>
 * A "gateway" ({@link #reachSource}) tells it where a named server is really reached, as an on-premises gateway would:
 * the sandbox's own landing database, an H2 file in the same process, is reached that way.
 */
final class ImportModels {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TYPES = Set.of("full", "automatic", "dataOnly", "calculate", "clearValues", "defragment");
    private static final Set<String> ENHANCED_FIELDS = Set.of("type", "commitMode", "maxParallelism", "retryCount", "objects",
            "applyRefreshPolicy", "effectiveDate", "timeout");
    private static final Pattern SOURCE = Pattern.compile("PostgreSQL\\.Database\\(\\s*\"((?:[^\"]|\"\")*)\"\\s*,\\s*\"((?:[^\"]|\"\")*)\"\\s*\\)");
    private static final Pattern ITEM = Pattern.compile("\\{\\[\\s*Schema\\s*=\\s*\"((?:[^\"]|\"\")*)\"\\s*,\\s*Item\\s*=\\s*\"((?:[^\"]|\"\")*)\"\\s*]}\\s*\\[Data]");
    private static final Pattern ROW_QUERY = Pattern.compile("(?is)\\s*EVALUATE\\s+ROW\\s*\\((.*)\\)\\s*");
    private static final Pattern ROW_PAIR = Pattern.compile("(?s)\\s*\"((?:[^\"]|\"\")*)\"\\s*,\\s*COUNTROWS\\s*\\(\\s*'((?:[^']|'')*)'\\s*\\)\\s*(,|$)");
    static final String PRINCIPAL = "the connector's service principal";

    /** Where a server named in a partition is really reached, and the credentials Power BI must be given for it. */
    record Reach(String jdbcUrl, String jdbcUser, String jdbcPassword, String username, String password) {
    }

    record Credentials(String username, String password) {
    }

    private record Datasource(String id, String server, String database) {
    }

    static final class Model {
        final String id;
        final Supplier<TmdlModel> definition;
        volatile String owner;
        /** Rows each table holds: what the last committed refresh read. */
        final Map<String, Long> rows = new ConcurrentHashMap<>();
        final Deque<Refresh> refreshes = new ArrayDeque<>();

        Model(String id, Supplier<TmdlModel> definition, String owner) {
            this.id = id;
            this.definition = definition;
            this.owner = owner;
        }
    }

    static final class Refresh {
        final String id = UUID.randomUUID().toString();
        final boolean enhanced;
        final String type;
        final String commitMode;
        final List<String> tables;
        final Instant started;
        Instant ended;
        String status = "Unknown";
        String extended = "NotStarted";
        final Map<String, String> objectStatus = new LinkedHashMap<>();
        final List<String> messages = new ArrayList<>();

        Refresh(boolean enhanced, String type, String commitMode, List<String> tables, Instant started) {
            this.enhanced = enhanced;
            this.type = type;
            this.commitMode = commitMode;
            this.tables = tables;
            this.started = started;
        }
    }

    private final PacingClock clock;
    private final String gatewayId = UUID.randomUUID().toString();
    private final Map<String, Model> models = new ConcurrentHashMap<>();
    private final Map<String, Datasource> datasources = new ConcurrentHashMap<>();
    private final Map<String, Credentials> credentials = new ConcurrentHashMap<>();
    private final Map<String, Reach> gateway = new ConcurrentHashMap<>();
    private final Deque<Instant> queries = new ArrayDeque<>();
    private volatile boolean sharedCapacity;
    private volatile Duration refreshTakes = Duration.ofMillis(1500);
    private volatile int busyStatus = 400;
    private final List<JsonNode> refreshRequests = java.util.Collections.synchronizedList(new ArrayList<>());

    ImportModels(PacingClock clock) {
        this.clock = clock;
    }

    Model add(String id, Supplier<TmdlModel> definition, String owner) {
        Model m = new Model(id, definition, owner);
        models.put(id, m);
        return m;
    }

    void sharedCapacity(boolean shared) {
        sharedCapacity = shared;
    }

    void refreshTakes(Duration d) {
        refreshTakes = d;
    }

    void busyStatus(int status) {
        busyStatus = status;
    }

    void reachSource(String server, String database, Reach reach) {
        gateway.put(server + "\u001f" + database, reach);
    }

    void scheduled(String modelId) {
        Model m = models.get(modelId);
        TmdlModel def = m.definition.get();
        synchronized (m) {
            m.refreshes.addFirst(new Refresh(false, "full", "transactional",
                    def == null ? List.of() : List.copyOf(def.tables().keySet()), clock.now()));
        }
    }

    List<JsonNode> refreshRequests() {
        return List.copyOf(refreshRequests);
    }

    Long rows(String modelId, String table) {
        Model m = models.get(modelId);
        return m == null ? null : m.rows.get(table);
    }

    /** Handles a call on {@code groups/{ws}/datasets/{id}/<rest>}; false when it is not one of these. */
    boolean handle(HttpExchange ex, String modelId, String[] rest) throws IOException {
        Model m = models.get(modelId);
        if (m == null || rest.length == 0) {
            return false;
        }
        String method = ex.getRequestMethod();
        switch (rest[0]) {
            case "refreshes" -> {
                if (rest.length == 1 && method.equals("POST")) {
                    startRefresh(ex, m);
                } else if (rest.length == 1 && method.equals("GET")) {
                    listRefreshes(ex, m);
                } else if (rest.length == 2 && method.equals("GET")) {
                    getRefresh(ex, m, rest[1]);
                } else if (rest.length == 2 && method.equals("DELETE")) {
                    cancel(ex, m, rest[1]);
                } else {
                    send(ex, 405, "application/json", error("MethodNotAllowed", method));
                }
            }
            case "executeQueries" -> executeQueries(ex, m);
            case "datasources" -> listDatasources(ex, m);
            case "Default.TakeOver" -> {
                m.owner = PRINCIPAL;
                send(ex, 200, "application/json", "");
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** {@code PATCH /gateways/{gatewayId}/datasources/{datasourceId}}: a data source's credentials. */
    void updateDatasource(HttpExchange ex, String gateway, String datasourceId) throws IOException {
        Datasource ds = datasources.get(datasourceId);
        if (ds == null || !gateway.equals(gatewayId) || !ex.getRequestMethod().equals("PATCH")) {
            send(ex, 404, "application/json", error("DMTS_DatasourceNotFoundError", "No data source " + datasourceId + " on gateway " + gateway));
            return;
        }
        boolean owns = models.values().stream().filter(m -> datasourcesOf(m).contains(ds))
                .anyMatch(m -> PRINCIPAL.equals(m.owner));
        if (!owns) {
            send(ex, 403, "application/json", error("Forbidden", "Only the owner of a semantic model that uses this data source may "
                    + "set its credentials (take it over first: Default.TakeOver)"));
            return;
        }
        JsonNode d = JSON.readTree(ex.getRequestBody()).path("credentialDetails");
        String why = null;
        if (!"Basic".equals(d.path("credentialType").asText())) {
            why = "credentialType must be Basic for a PostgreSql source (sandbox)";
        } else if (!Set.of("Encrypted", "NotEncrypted").contains(d.path("encryptedConnection").asText())) {
            why = "encryptedConnection must be Encrypted or NotEncrypted";
        } else if (!Set.of("None", "RSA-OAEP").contains(d.path("encryptionAlgorithm").asText())) {
            why = "encryptionAlgorithm must be None or RSA-OAEP";
        } else if (!Set.of("None", "Public", "Organizational", "Private").contains(d.path("privacyLevel").asText())) {
            why = "privacyLevel must be None, Public, Organizational or Private";
        }
        String user = null;
        String password = null;
        if (why == null) {
            try {
                for (JsonNode c : JSON.readTree(d.path("credentials").asText()).path("credentialData")) {
                    if ("username".equals(c.path("name").asText())) {
                        user = c.path("value").asText();
                    } else if ("password".equals(c.path("name").asText())) {
                        password = c.path("value").asText();
                    }
                }
            } catch (IOException e) {
                why = "credentials must be a JSON string with credentialData";
            }
            if (why == null && (user == null || user.isEmpty() || password == null)) {
                why = "Basic credentials need credentialData username and password";
            }
        }
        if (why != null) {
            send(ex, 400, "application/json", error("InvalidRequest", why));
            return;
        }
        credentials.put(ds.id(), new Credentials(user, password));
        send(ex, 200, "application/json", "");
    }

    private void listDatasources(HttpExchange ex, Model m) throws IOException {
        ArrayNode list = JSON.createArrayNode();
        for (Datasource ds : datasourcesOf(m)) {
            ObjectNode n = list.addObject().put("datasourceType", "PostgreSql").put("datasourceId", ds.id()).put("gatewayId", gatewayId);
            n.putObject("connectionDetails").put("server", ds.server()).put("database", ds.database());
        }
        send(ex, 200, "application/json", JSON.createObjectNode().set("value", list).toString());
    }

    /** The distinct servers and databases the model's partitions read. */
    private List<Datasource> datasourcesOf(Model m) {
        TmdlModel def = m.definition.get();
        Set<Datasource> found = new LinkedHashSet<>();
        if (def != null) {
            for (TmdlModel.Table t : def.tables().values()) {
                for (TmdlModel.Partition p : t.partitions()) {
                    Matcher s = SOURCE.matcher(p.source() == null ? "" : p.source());
                    if (s.find()) {
                        String server = unquote(s.group(1), '"');
                        String db = unquote(s.group(2), '"');
                        String id = UUID.nameUUIDFromBytes((server + "\u001f" + db).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
                        found.add(datasources.computeIfAbsent(id, k -> new Datasource(k, server, db)));
                    }
                }
            }
        }
        return List.copyOf(found);
    }

    private void startRefresh(HttpExchange ex, Model m) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody());
        refreshRequests.add(body);
        boolean enhanced = false;
        for (java.util.Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (ENHANCED_FIELDS.contains(f)) {
                enhanced = true;
            } else if (!f.equals("notifyOption")) {
                send(ex, 400, "application/json", error("InvalidRequest", "Unknown refresh parameter '" + f + "'"));
                return;
            }
        }
        String why = null;
        List<String> tables = new ArrayList<>();
        TmdlModel def = m.definition.get();
        if (enhanced) {
            if (body.has("notifyOption")) {
                why = "notifyOption must not be given with the parameters of an enhanced refresh";
            } else if (sharedCapacity) {
                why = "Enhanced refresh (type, commitMode, objects, ...) needs a workspace on Premium, Premium Per User, Embedded "
                        + "or Fabric capacity; this workspace is on shared capacity";
            } else if (body.has("type") && !TYPES.contains(body.path("type").asText())) {
                why = "type must be one of " + TYPES;
            } else if (body.has("commitMode") && !Set.of("transactional", "partialBatch").contains(body.path("commitMode").asText())) {
                why = "commitMode must be transactional or partialBatch";
            } else if (body.has("retryCount") && !body.path("retryCount").canConvertToInt()) {
                why = "retryCount must be a number";
            } else if (body.has("timeout") && !body.path("timeout").asText().matches("\\d{1,2}:[0-5]\\d:[0-5]\\d")) {
                why = "timeout must be hh:mm:ss";
            } else if (body.has("objects")) {
                for (JsonNode o : body.path("objects")) {
                    String t = o.path("table").asText("");
                    if (def == null || !def.tables().containsKey(t)) {
                        why = "objects: the model has no table '" + t + "'";
                        break;
                    }
                    tables.add(t);
                }
            }
        } else if (!body.has("notifyOption")) {
            why = "notifyOption is required (NoNotification, MailOnFailure or MailOnCompletion)";
        }
        if (why != null) {
            send(ex, 400, "application/json", error("InvalidRequest", why));
            return;
        }
        if (tables.isEmpty() && def != null) {
            tables.addAll(def.tables().keySet());
        }
        synchronized (m) {
            Refresh running = m.refreshes.isEmpty() ? null : observe(m, m.refreshes.peekFirst());
            if (running != null && running.ended == null) {
                send(ex, busyStatus, "application/json", error("RefreshInProgressException",
                        "Another refresh request is already executing for this model"));
                return;
            }
            if (sharedCapacity) {
                Instant dayAgo = clock.now().minus(Duration.ofHours(24));
                long today = m.refreshes.stream().filter(r -> r.started.isAfter(dayAgo)).count();
                if (today >= 8) { // shared capacity: 8 refreshes in 24 hours, scheduled ones included (sandbox's wording)
                    send(ex, 400, "application/json", error("InvalidRequest", "This model has had 8 refreshes in the last 24 hours, "
                            + "the most a workspace on shared capacity allows"));
                    return;
                }
            }
            Refresh r = new Refresh(enhanced, body.path("type").asText(enhanced ? "automatic" : "full"),
                    body.path("commitMode").asText("transactional"), tables, clock.now());
            m.refreshes.addFirst(r);
            // absolute, as Power BI answers: https://<host>/v1.0/myorg/groups/{g}/datasets/{id}/refreshes/{requestId}
            ex.getResponseHeaders().set("Location", "https://" + ex.getRequestHeaders().getFirst("Host")
                    + ex.getRequestURI().getPath().replaceAll("/+$", "") + "/" + r.id);
            ex.getResponseHeaders().set("RequestId", r.id);
            ex.getResponseHeaders().set("x-ms-request-id", r.id);
            send(ex, 202, "application/json", "");
        }
    }

    private void getRefresh(HttpExchange ex, Model m, String id) throws IOException {
        synchronized (m) {
            Refresh r = m.refreshes.stream().filter(x -> x.id.equals(id)).findFirst().orElse(null);
            if (r == null) {
                send(ex, 404, "application/json", error("ItemNotFound", "No refresh " + id));
                return;
            }
            observe(m, r);
            send(ex, r.ended == null ? 202 : 200, "application/json", describe(r).toString());
        }
    }

    private void listRefreshes(HttpExchange ex, Model m) throws IOException {
        String top = EmulatorServer.params(ex.getRequestURI().getRawQuery()).get("$top");
        int n = top == null ? Integer.MAX_VALUE : Integer.parseInt(top);
        ArrayNode list = JSON.createArrayNode();
        synchronized (m) {
            for (Refresh r : m.refreshes) {
                if (list.size() >= n) {
                    break;
                }
                observe(m, r);
                list.add(describe(r));
            }
        }
        send(ex, 200, "application/json", JSON.createObjectNode().set("value", list).toString());
    }

    private void cancel(HttpExchange ex, Model m, String id) throws IOException {
        synchronized (m) {
            Refresh r = m.refreshes.stream().filter(x -> x.id.equals(id)).findFirst().orElse(null);
            if (r == null || !r.enhanced) {
                send(ex, 404, "application/json", error("ItemNotFound", "No enhanced refresh " + id));
                return;
            }
            if (r.ended == null) {
                r.ended = clock.now();
                r.status = "Cancelled";
                r.extended = "Cancelled";
            }
            send(ex, 200, "application/json", "");
        }
    }

    private ObjectNode describe(Refresh r) {
        ObjectNode n = JSON.createObjectNode().put("requestId", r.id).put("id", r.id).put("refreshType", "ViaEnhancedApi")
                .put("startTime", r.started.toString()).put("type", r.type).put("commitMode", r.commitMode)
                .put("status", r.status).put("extendedStatus", r.extended);
        if (!r.enhanced) {
            n.put("refreshType", "ViaApi");
        }
        if (r.ended != null) {
            n.put("endTime", r.ended.toString());
        }
        ArrayNode objects = n.putArray("objects");
        r.tables.forEach(t -> objects.addObject().put("table", t).put("partition", t)
                .put("status", r.objectStatus.getOrDefault(t, r.ended == null ? "InProgress" : "NotStarted")));
        ArrayNode messages = n.putArray("messages");
        r.messages.forEach(msg -> messages.addObject().put("message", msg).put("type", "Error"));
        if (!r.messages.isEmpty()) {
            n.put("serviceExceptionJson", JSON.createObjectNode().put("errorCode", "ModelRefreshFailed")
                    .put("errorDescription", String.join("; ", r.messages)).toString());
        }
        return n;
    }

    /** Brings a refresh up to now: once its time has passed it reads its tables and ends. */
    private Refresh observe(Model m, Refresh r) {
        if (r.ended != null || clock.now().isBefore(r.started.plus(refreshTakes))) {
            if (r.ended == null) {
                r.extended = "InProgress";
            }
            return r;
        }
        Map<String, Long> read = new LinkedHashMap<>();
        TmdlModel def = m.definition.get();
        for (String t : r.tables) {
            try {
                read.put(t, read(def.tables().get(t)));
                r.objectStatus.put(t, "Completed");
            } catch (SQLException | IllegalStateException e) {
                r.objectStatus.put(t, "Failed");
                r.messages.add(t + ": " + e.getMessage());
            }
        }
        boolean failed = !r.messages.isEmpty();
        if (!failed || r.commitMode.equals("partialBatch")) {
            m.rows.putAll(read);
        } else {
            r.tables.forEach(t -> r.objectStatus.computeIfPresent(t, (k, v) -> v.equals("Completed") ? "NotStarted" : v));
        }
        r.ended = clock.now();
        r.status = failed ? "Failed" : "Completed";
        r.extended = r.status;
        return r;
    }

    /** Reads a table through its partition's M expression: how many rows its source gives. */
    private long read(TmdlModel.Table t) throws SQLException {
        if (t == null) {
            throw new IllegalStateException("the table is not in the model");
        }
        long rows = 0;
        for (TmdlModel.Partition p : t.partitions()) {
            String m = p.source() == null ? "" : p.source();
            Matcher s = SOURCE.matcher(m);
            Matcher i = ITEM.matcher(m);
            if (!s.find() || !i.find()) {
                throw new IllegalStateException("the sandbox reads PostgreSQL.Database partitions with Source{[Schema, Item]}[Data] only");
            }
            String server = unquote(s.group(1), '"');
            String db = unquote(s.group(2), '"');
            String id = UUID.nameUUIDFromBytes((server + "\u001f" + db).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
            Credentials c = credentials.get(id);
            if (c == null) {
                throw new IllegalStateException("The credentials for the PostgreSql data source " + server + ";" + db
                        + " are missing: set them on the data source");
            }
            Reach reach = gateway.get(server + "\u001f" + db);
            String url;
            String user;
            String password;
            if (reach != null) {
                if (!reach.username().equals(c.username()) || !reach.password().equals(c.password())) {
                    throw new IllegalStateException("The credentials provided for the PostgreSql source " + server + ";" + db + " are invalid");
                }
                url = reach.jdbcUrl();
                user = reach.jdbcUser();
                password = reach.jdbcPassword();
            } else {
                url = "jdbc:postgresql://" + server + "/" + db;
                user = c.username();
                password = c.password();
            }
            rows += count(url, user, password, unquote(i.group(1), '"'), unquote(i.group(2), '"'), t);
        }
        return rows;
    }

    private static long count(String url, String user, String password, String schema, String item, TmdlModel.Table t)
            throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            String realSchema = null;
            Set<String> columns = new LinkedHashSet<>();
            try (ResultSet rs = c.getMetaData().getTables(null, null, item, new String[]{"TABLE"})) {
                while (rs.next()) {
                    if (rs.getString("TABLE_SCHEM").equalsIgnoreCase(schema)) {
                        realSchema = rs.getString("TABLE_SCHEM");
                    }
                }
            }
            if (realSchema == null) {
                throw new IllegalStateException("The key didn't match any rows in the table: no table " + schema + "." + item);
            }
            try (ResultSet rs = c.getMetaData().getColumns(null, realSchema, item, null)) {
                while (rs.next()) {
                    columns.add(rs.getString("COLUMN_NAME"));
                }
            }
            List<String> select = new ArrayList<>();
            for (TmdlModel.Column col : t.columns()) {
                if (col.sourceColumn() == null) {
                    continue; // a calculated column: computed by the model, not read
                }
                if (!columns.contains(col.sourceColumn())) {
                    throw new IllegalStateException("The column '" + col.sourceColumn() + "' of the table wasn't found");
                }
                select.add("\"" + col.sourceColumn().replace("\"", "\"\"") + "\"");
            }
            c.setAutoCommit(false); // PostgreSQL streams with a fetch size only outside autocommit
            try (Statement st = c.createStatement()) {
                st.setFetchSize(5000);
                long n = 0;
                try (ResultSet rs = st.executeQuery("SELECT " + (select.isEmpty() ? "1" : String.join(", ", select)) + " FROM \""
                        + realSchema.replace("\"", "\"\"") + "\".\"" + item.replace("\"", "\"\"") + "\"")) {
                    while (rs.next()) {
                        n++;
                    }
                }
                return n;
            } finally {
                c.rollback();
            }
        }
    }

    private void executeQueries(HttpExchange ex, Model m) throws IOException {
        if (!ex.getRequestMethod().equals("POST")) {
            send(ex, 405, "application/json", error("MethodNotAllowed", ex.getRequestMethod()));
            return;
        }
        synchronized (queries) {
            Instant minuteAgo = clock.now().minus(Duration.ofMinutes(1));
            while (!queries.isEmpty() && queries.peekFirst().isBefore(minuteAgo)) {
                queries.removeFirst();
            }
            if (queries.size() >= 120) {
                ex.getResponseHeaders().set("Retry-After", String.valueOf(Math.max(1,
                        Duration.between(clock.now(), queries.peekFirst().plus(Duration.ofMinutes(1))).toSeconds() + 1)));
                send(ex, 429, "application/json", error("TooManyRequests", "More than 120 queries a minute"));
                return;
            }
            queries.addLast(clock.now());
        }
        JsonNode q = JSON.readTree(ex.getRequestBody()).path("queries");
        if (!q.isArray() || q.size() != 1) {
            send(ex, 400, "application/json", error("InvalidRequest", "Exactly one query is allowed per call"));
            return;
        }
        Matcher row = ROW_QUERY.matcher(q.path(0).path("query").asText(""));
        if (!row.matches()) {
            send(ex, 400, "application/json", error("DatasetExecuteQueriesError",
                    "The sandbox answers EVALUATE ROW(\"name\", COUNTROWS('Table'), ...) only"));
            return;
        }
        ObjectNode answer = JSON.createObjectNode();
        Matcher pair = ROW_PAIR.matcher(row.group(1));
        int at = 0;
        TmdlModel def = m.definition.get();
        while (at < row.group(1).length()) {
            if (!pair.find(at) || pair.start() != at) {
                send(ex, 400, "application/json", error("DatasetExecuteQueriesError", "Query (1, " + (at + 1) + ") The syntax is incorrect"));
                return;
            }
            String table = unquote(pair.group(2), '\'');
            if (def == null || !def.tables().containsKey(table)) {
                send(ex, 400, "application/json", error("DatasetExecuteQueriesError", "Query (1, 1) Failed to resolve name '" + table + "'"));
                return;
            }
            Long n = m.rows.get(table);
            String name = "[" + unquote(pair.group(1), '"') + "]";
            if (n == null || n == 0) {
                answer.putNull(name); // COUNTROWS of an empty table is BLANK
            } else {
                answer.put(name, n);
            }
            at = pair.end();
        }
        ObjectNode out = JSON.createObjectNode();
        out.putArray("results").addObject().putArray("tables").addObject().putArray("rows").add(answer);
        send(ex, 200, "application/json", out.toString());
    }

    private static String unquote(String s, char quote) {
        return s.replace(String.valueOf(quote) + quote, String.valueOf(quote));
    }

    private static String error(String code, String message) {
        return "{\"error\":{\"code\":" + EmulatorServer.quote(code) + ",\"message\":" + EmulatorServer.quote(message) + "}}";
    }
}
