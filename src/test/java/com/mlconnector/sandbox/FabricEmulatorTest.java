package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mlconnector.http.ConnectorTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The sandbox's Fabric items API through HTTP, as a client meets it: its audience, its long-running operations, its refusals. */
class FabricEmulatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Sandbox sandbox;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        sandbox = Sandbox.start(Map.of("sandbox.fno.throttle-share", "0")::get);
        http = HttpClient.newBuilder().sslContext(ConnectorTls.context(SandboxTls.trustManager())).build();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    private static String token(String scope) throws Exception {
        String form = "grant_type=client_credentials&client_id=" + Sandbox.CLIENT_ID + "&client_secret=" + Sandbox.CLIENT_SECRET
                + "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8);
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(sandbox.authorityHost() + "/" + Sandbox.TENANT + "/oauth2/v2.0/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString()).body()).path("access_token").asText();
    }

    private static HttpResponse<String> call(String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.startsWith("https") ? url : sandbox.fabric().apiUrl() + url))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String definition(String table, String extraLine) {
        Map<String, String> parts = new LinkedHashMap<>();
        parts.put("definition.pbism", "{\"version\": \"4.0\", \"settings\": {}}");
        parts.put("definition/database.tmdl", "database\n\tcompatibilityLevel: 1567\n\tcompatibilityMode: powerBI\n");
        parts.put("definition/model.tmdl", "model Model\n\tculture: en-US\n\tdefaultPowerBIDataSourceVersion: powerBI_V3\n\nref table " + table + "\n");
        parts.put("definition/tables/" + table + ".tmdl", "table " + table + "\n" + extraLine + "\tcolumn Id\n\t\tdataType: int64\n\t\tsourceColumn: Id\n");
        ObjectNode def = JSON.createObjectNode().put("format", "TMDL");
        ArrayNode list = def.putArray("parts");
        parts.forEach((p, t) -> list.addObject().put("path", p).put("payload", Base64.getEncoder().encodeToString(t.getBytes(StandardCharsets.UTF_8)))
                .put("payloadType", "InlineBase64"));
        return def.toString();
    }

    /** Follows a 202 to its end: polls the Location until Succeeded, then reads the result. */
    private static JsonNode follow(HttpResponse<String> accepted, String token) throws Exception {
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String op = accepted.headers().firstValue("x-ms-operation-id").orElseThrow();
        String location = accepted.headers().firstValue("Location").orElseThrow();
        assertThat(location).endsWith("/operations/" + op);
        assertThat(accepted.headers().firstValue("Retry-After")).contains("1");
        JsonNode status = JSON.readTree(call("GET", location, token, null).body());
        assertThat(status.path("status").asText()).isEqualTo("Running");
        assertThat(call("GET", location + "/result", token, null).statusCode()).as("no result while running").isEqualTo(400);
        status = JSON.readTree(call("GET", location, token, null).body());
        assertThat(status.path("status").asText()).isEqualTo("Succeeded");
        String result = call("GET", location + "/result", token, null).body();
        return result.isEmpty() ? JSON.createObjectNode() : JSON.readTree(result);
    }

    @Test
    void aModelIsCreatedReadAndUpdatedThroughLongRunningOperations() throws Exception {
        String fabric = token(FabricEmulator.AUDIENCE + "/.default");
        String ws = "/workspaces/" + Sandbox.WORKSPACE + "/semanticModels";
        JsonNode item = follow(call("POST", ws, fabric, "{\"displayName\": \"Finance\", \"definition\": " + definition("Vendors", "") + "}"), fabric);
        assertThat(item.path("type").asText()).isEqualTo("SemanticModel");
        assertThat(item.path("displayName").asText()).isEqualTo("Finance");
        String id = item.path("id").asText();
        assertThat(sandbox.fabric().model("Finance").definition().tables()).containsKey("Vendors");
        assertThat(sandbox.powerBi().dataset("Finance").id()).as("the same item in the Power BI REST API").isEqualTo(id);
        assertThat(JSON.readTree(call("GET", ws, fabric, null).body()).path("value")).extracting(n -> n.path("id").asText()).contains(id);

        assertThat(call("POST", ws, fabric, "{\"displayName\": \"Finance\", \"definition\": " + definition("Vendors", "") + "}").statusCode())
                .as("a second item of one name").isEqualTo(409);

        JsonNode def = follow(call("POST", ws + "/" + id + "/getDefinition", fabric, null), fabric);
        assertThat(def.path("definition").path("parts")).extracting(p -> p.path("path").asText())
                .contains("definition.pbism", "definition/model.tmdl", "definition/tables/Vendors.tmdl");

        follow(call("POST", ws + "/" + id + "/updateDefinition", fabric,
                "{\"definition\": " + definition("Vendors", "\tmeasure Total = COUNTROWS('Vendors')\n") + "}"), fabric);
        assertThat(sandbox.fabric().model("Finance").definition().tables().get("Vendors").measures())
                .extracting(TmdlModel.Measure::name).containsExactly("Total");
    }

    @Test
    void whatFabricRefusesIsRefused() throws Exception {
        String fabric = token(FabricEmulator.AUDIENCE + "/.default");
        String ws = "/workspaces/" + Sandbox.WORKSPACE + "/semanticModels";
        String powerBi = token(PowerBiEmulator.AUDIENCE + "/.default");
        assertThat(call("GET", ws, powerBi, null).statusCode()).as("a Power BI token is for another audience").isEqualTo(401);
        assertThat(call("GET", "/workspaces/someone-elses/semanticModels", fabric, null).statusCode()).isEqualTo(404);
        HttpResponse<String> bad = call("POST", ws, fabric, "{\"displayName\": \"Broken\", \"definition\": "
                + definition("Vendors", "\tcolumn Extra\n\t\tdataType: money\n") + "}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("message").asText()).contains("dataType 'money'");
        assertThat(sandbox.fabric().model("Broken")).isNull();
    }
}
