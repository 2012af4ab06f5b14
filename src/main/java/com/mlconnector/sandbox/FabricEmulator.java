package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The Fabric REST API's semantic models, as api-facts.md ("Power BI semantic models") gives them: create one from a
 * TMDL definition ({@code POST /v1/workspaces/{ws}/semanticModels}), list them, {@code getDefinition} and
 * {@code updateDefinition} (the whole definition, every part); each a long-running operation: 202 with
 * {@code Location}, {@code x-ms-operation-id} and {@code Retry-After}, then {@code GET /v1/operations/{id}} (NotStarted,
 * Running, Succeeded, Failed) and {@code GET /v1/operations/{id}/result}. Only tokens of the Fabric audience open it
 * (the Power BI REST API's are another audience). A definition is read by {@link TmdlModel}, which refuses what Fabric
 * refuses. A model it creates is an import model of the sandbox Power BI (same id), which refreshes and queries it.
 * Error codes: the facts give the statuses; the codes in the bodies (InvalidInput, ItemDisplayNameAlreadyInUse,
 * WorkspaceNotFound, EntityNotFound, TokenExpired) are Fabric's usual ones.
 */
public final class FabricEmulator extends EmulatorServer {
    public static final String AUDIENCE = "https://api.fabric.microsoft.com";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A semantic model item: its definition as given (parts by path, base64) and as read. */
    public record Model(String id, String displayName, String description, Map<String, String> parts, TmdlModel definition) {
    }

    /** A long-running operation: Running for its first polls, then Succeeded (or Failed) with its result. */
    private static final class Operation {
        final AtomicInteger polls = new AtomicInteger();
        final Supplier<ObjectNode> result;

        Operation(Supplier<ObjectNode> result) {
            this.result = result;
        }
    }

    private final SandboxTokens tokens;
    private final String workspace;
    private final PowerBiEmulator powerBi;
    private final Map<String, Model> models = new ConcurrentHashMap<>();
    private final Map<String, Operation> operations = new ConcurrentHashMap<>();
    private final AtomicInteger definitionUpdates = new AtomicInteger();
    private volatile int pollsRunning = 1;

    public FabricEmulator(int port, SandboxTokens tokens, String workspace, PowerBiEmulator powerBi) {
        super(port);
        this.tokens = tokens;
        this.workspace = workspace;
        this.powerBi = powerBi;
        start();
    }

    /** The API root a client is configured with: {@code https://127.0.0.1:port/v1}. */
    public String apiUrl() {
        return baseUrl() + "/v1";
    }

    /** A model by display name, or null. */
    public Model model(String displayName) {
        return models.values().stream().filter(m -> m.displayName().equals(displayName)).findFirst().orElse(null);
    }

    /** How many updateDefinition operations changed a model so far. */
    public int definitionUpdates() {
        return definitionUpdates.get();
    }

    /** How many polls an operation answers Running before it ends (tests make it longer). */
    public void operationPollsRunning(int n) {
        pollsRunning = n;
    }

    @Override
    protected void handle(HttpExchange ex) throws IOException {
        SandboxTokens.Refusal refusal = tokens.check(ex.getRequestHeaders().getFirst("Authorization"), AUDIENCE);
        if (refusal != null) {
            send(ex, 401, "application/json", error(refusal == SandboxTokens.Refusal.EXPIRED ? "TokenExpired" : "Unauthorized",
                    "The token is not valid for the Fabric API (" + refusal + ")"));
            return;
        }
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (path.startsWith("/v1/operations/")) {
            operation(ex, path.substring("/v1/operations/".length()));
            return;
        }
        String prefix = "/v1/workspaces/";
        if (!path.startsWith(prefix)) {
            send(ex, 404, "application/json", error("EntityNotFound", "No such endpoint " + path));
            return;
        }
        String[] seg = path.substring(prefix.length()).split("/");
        if (!seg[0].equals(workspace)) {
            send(ex, 404, "application/json", error("WorkspaceNotFound", "Workspace " + seg[0] + " not found (or the principal has no role in it)"));
            return;
        }
        if (seg.length == 2 && seg[1].equals("semanticModels")) {
            if (method.equals("GET")) {
                ArrayNode list = JSON.createArrayNode();
                models.values().forEach(m -> list.add(item(m)));
                send(ex, 200, "application/json", JSON.createObjectNode().set("value", list).toString());
            } else if (method.equals("POST")) {
                create(ex);
            } else {
                send(ex, 405, "application/json", error("MethodNotAllowed", method));
            }
            return;
        }
        Model m = seg.length >= 3 && seg[1].equals("semanticModels") ? models.get(seg[2]) : null;
        if (m == null) {
            send(ex, 404, "application/json", error("EntityNotFound", "The semantic model " + (seg.length >= 3 ? seg[2] : "") + " was not found"));
            return;
        }
        if (seg.length == 4 && method.equals("POST") && seg[3].equals("getDefinition")) {
            accepted(ex, () -> {
                ObjectNode r = JSON.createObjectNode();
                ObjectNode def = r.putObject("definition");
                def.put("format", "TMDL");
                ArrayNode parts = def.putArray("parts");
                models.get(m.id()).parts().forEach((p, payload) -> parts.addObject().put("path", p).put("payload", payload)
                        .put("payloadType", "InlineBase64"));
                return r;
            });
        } else if (seg.length == 4 && method.equals("POST") && seg[3].equals("updateDefinition")) {
            JsonNode req = JSON.readTree(ex.getRequestBody());
            Map<String, String> parts = parts(req.path("definition"));
            TmdlModel read;
            try {
                read = TmdlModel.fromBase64Parts(parts);
            } catch (TmdlModel.InvalidDefinition e) {
                send(ex, 400, "application/json", error("InvalidInput", e.getMessage()));
                return;
            }
            models.put(m.id(), new Model(m.id(), m.displayName(), m.description(), parts, read));
            definitionUpdates.incrementAndGet();
            accepted(ex, () -> null);
        } else {
            send(ex, 404, "application/json", error("EntityNotFound", "No such endpoint " + method + " " + path));
        }
    }

    private void create(HttpExchange ex) throws IOException {
        JsonNode req = JSON.readTree(ex.getRequestBody());
        String name = req.path("displayName").asText("");
        if (name.isBlank()) {
            send(ex, 400, "application/json", error("InvalidInput", "displayName is required"));
            return;
        }
        if (model(name) != null) {
            send(ex, 409, "application/json", error("ItemDisplayNameAlreadyInUse", "An item named '" + name + "' already exists in the workspace"));
            return;
        }
        JsonNode def = req.path("definition");
        if (!"TMDL".equals(def.path("format").asText("TMDL")) && !"TMSL".equals(def.path("format").asText())) {
            send(ex, 400, "application/json", error("InvalidInput", "definition.format must be TMDL or TMSL"));
            return;
        }
        Map<String, String> parts;
        TmdlModel read;
        try {
            parts = parts(def);
            read = TmdlModel.fromBase64Parts(parts);
        } catch (TmdlModel.InvalidDefinition e) {
            send(ex, 400, "application/json", error("InvalidInput", e.getMessage()));
            return;
        }
        String id = UUID.randomUUID().toString();
        Model m = new Model(id, name, req.path("description").asText(null), parts, read);
        models.put(id, m);
        // the same item, as the Power BI REST API sees it (refreshes read what its definition says now; queries), owned by its creator
        powerBi.addImportModel(name, id, () -> models.get(id).definition(), ImportModels.PRINCIPAL);
        accepted(ex, () -> item(models.get(id)));
    }

    /** The definition's parts, by path: each inline base64, no path twice. */
    private static Map<String, String> parts(JsonNode definition) {
        Map<String, String> parts = new LinkedHashMap<>();
        JsonNode list = definition.path("parts");
        if (!list.isArray() || list.isEmpty()) {
            throw new TmdlModel.InvalidDefinition("definition.parts is required");
        }
        for (JsonNode p : list) {
            if (!"InlineBase64".equals(p.path("payloadType").asText())) {
                throw new TmdlModel.InvalidDefinition(p.path("path").asText() + ": payloadType must be InlineBase64");
            }
            if (parts.put(p.path("path").asText(), p.path("payload").asText()) != null) {
                throw new TmdlModel.InvalidDefinition("the part " + p.path("path").asText() + " is given twice");
            }
        }
        return parts;
    }

    private ObjectNode item(Model m) {
        ObjectNode n = JSON.createObjectNode().put("id", m.id()).put("type", "SemanticModel").put("displayName", m.displayName())
                .put("workspaceId", workspace);
        if (m.description() != null) {
            n.put("description", m.description());
        }
        return n;
    }

    /** 202: the operation runs; where to follow it and when to look first. */
    private void accepted(HttpExchange ex, Supplier<ObjectNode> result) throws IOException {
        String op = UUID.randomUUID().toString();
        operations.put(op, new Operation(result));
        ex.getResponseHeaders().set("Location", apiUrl() + "/operations/" + op);
        ex.getResponseHeaders().set("x-ms-operation-id", op);
        ex.getResponseHeaders().set("Retry-After", "1");
        send(ex, 202, "application/json", "");
    }

    private void operation(HttpExchange ex, String rest) throws IOException {
        boolean result = rest.endsWith("/result");
        String id = result ? rest.substring(0, rest.length() - "/result".length()) : rest;
        Operation op = operations.get(id);
        if (op == null || !ex.getRequestMethod().equals("GET")) {
            send(ex, 404, "application/json", error("EntityNotFound", "Operation " + id + " not found"));
            return;
        }
        boolean done = op.polls.get() > pollsRunning;
        if (result) {
            if (!done) {
                send(ex, 400, "application/json", error("OperationNotSucceeded", "Operation " + id + " has not succeeded yet"));
                return;
            }
            ObjectNode r = op.result.get();
            send(ex, 200, "application/json", r == null ? "{}" : r.toString());
            return;
        }
        int n = op.polls.incrementAndGet();
        ObjectNode status = JSON.createObjectNode();
        if (n <= pollsRunning) {
            status.put("status", "Running").put("percentComplete", 50);
            ex.getResponseHeaders().set("Retry-After", "1");
        } else {
            status.put("status", "Succeeded").put("percentComplete", 100);
            if (op.result.get() != null) {
                ex.getResponseHeaders().set("Location", apiUrl() + "/operations/" + id + "/result");
            }
        }
        status.put("createdTimeUtc", java.time.Instant.now().toString()).putNull("error");
        send(ex, 200, "application/json", status.toString());
    }

    private static String error(String code, String message) {
        return JSON.createObjectNode().put("requestId", UUID.randomUUID().toString()).put("errorCode", code)
                .put("message", message).toString();
    }

    /** The models' names (tests). */
    public List<String> modelNames() {
        return models.values().stream().map(Model::displayName).toList();
    }
}
