package com.mlconnector.powerbi.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mlconnector.http.LongRunningOperation;
import com.mlconnector.http.PacingClock;
import com.mlconnector.http.RouteHttp;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Fabric items API's semantic models (powerbi.fabric-api-url), through the route {@code direct:fabric-http} of
 * routes/powerbi.yaml (its token is of the Fabric audience, set only for that host): find one by name, create one from
 * a TMDL definition, read and replace its definition; each write followed to its end as a long-running operation.
 */
public final class FabricClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_TYPE = "application/json";

    private final String apiUrl;
    private final String workspace;
    private final RouteHttp http;
    private final LongRunningOperation operations;
    private final Duration timeout;

    public FabricClient(String apiUrl, String workspace, RouteHttp http, PacingClock clock, Duration timeout) {
        this.apiUrl = apiUrl;
        this.workspace = workspace;
        this.http = http;
        this.operations = new LongRunningOperation(http, apiUrl, clock);
        this.timeout = timeout;
    }

    private String models() {
        return apiUrl + "/workspaces/" + workspace + "/semanticModels";
    }

    /** The id of the workspace's semantic model of that name, or null. */
    public String find(String displayName) throws Exception {
        for (JsonNode item : http.json("GET", models(), null, null).path("value")) {
            if (displayName.equals(item.path("displayName").asText())) {
                return item.path("id").asText();
            }
        }
        return null;
    }

    /** Creates the model from its definition (text parts by path); its id once Fabric finished creating it. */
    public String create(String displayName, String description, Map<String, String> parts) throws Exception {
        ObjectNode req = JSON.createObjectNode().put("displayName", displayName).put("description", description);
        req.set("definition", definition(parts));
        JsonNode item = operations.follow(http.answer("POST", models(), JSON_TYPE, bytes(req), LongRunningOperation.HEADERS),
                timeout, "creating the semantic model '" + displayName + "'");
        String id = item.path("id").asText("");
        return id.isEmpty() ? find(displayName) : id;
    }

    /** The model's definition, text parts by path. */
    public Map<String, String> definition(String id) throws Exception {
        JsonNode r = operations.follow(http.answer("POST", models() + "/" + id + "/getDefinition", JSON_TYPE, new byte[0],
                LongRunningOperation.HEADERS), timeout, "reading the definition of semantic model " + id);
        Map<String, String> parts = new LinkedHashMap<>();
        for (JsonNode p : r.path("definition").path("parts")) {
            parts.put(p.path("path").asText(), new String(Base64.getDecoder().decode(p.path("payload").asText()), StandardCharsets.UTF_8));
        }
        return parts;
    }

    /** Replaces the whole definition (every part: Fabric keeps none it is not given). */
    public void updateDefinition(String id, Map<String, String> parts) throws Exception {
        ObjectNode req = JSON.createObjectNode();
        req.set("definition", definition(parts));
        operations.follow(http.answer("POST", models() + "/" + id + "/updateDefinition", JSON_TYPE, bytes(req),
                LongRunningOperation.HEADERS), timeout, "updating the definition of semantic model " + id);
    }

    private static ObjectNode definition(Map<String, String> parts) {
        ObjectNode def = JSON.createObjectNode().put("format", "TMDL");
        ArrayNode list = def.putArray("parts");
        parts.forEach((path, text) -> list.addObject().put("path", path)
                .put("payload", Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8))).put("payloadType", "InlineBase64"));
        return def;
    }

    private static byte[] bytes(ObjectNode n) {
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }
}
