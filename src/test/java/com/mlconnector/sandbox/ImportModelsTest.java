package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mlconnector.http.ConnectorTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sandbox Power BI's import models through HTTP, as the published contract has them: the refresh reads the
 * database the partition names (with the credentials set on its data source), executeQueries answers from what it
 * read, one refresh at a time, enhanced refresh needs capacity, 8 a day on shared capacity.
 */
class ImportModelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Sandbox sandbox;
    private static HttpClient http;
    private static String fabricToken;
    private static String powerBiToken;
    private static final String DB = "jdbc:h2:mem:import-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    private static Connection keep;

    @BeforeAll
    static void start() throws Exception {
        sandbox = Sandbox.start(Map.of("sandbox.fno.throttle-share", "0")::get);
        http = HttpClient.newBuilder().sslContext(ConnectorTls.context(SandboxTls.trustManager())).build();
        fabricToken = token(FabricEmulator.AUDIENCE + "/.default");
        powerBiToken = token(PowerBiEmulator.AUDIENCE + "/.default");
        keep = DriverManager.getConnection(DB, "sa", "");
        try (Statement st = keep.createStatement()) {
            st.execute("CREATE TABLE \"Vendors\" (\"Id\" BIGINT, \"Name\" VARCHAR(50))");
            st.execute("INSERT INTO \"Vendors\" SELECT X, 'v' || X FROM SYSTEM_RANGE(1, 7)");
            st.execute("CREATE TABLE \"Accounts\" (\"Id\" BIGINT)");
            st.execute("INSERT INTO \"Accounts\" SELECT X FROM SYSTEM_RANGE(1, 3)");
        }
        sandbox.powerBi().reachSource("finance-db:5432", "finance", DB, "sa", "", "reader", "s3cret");
    }

    @AfterEach
    void calm() {
        sandbox.powerBi().sharedCapacity(false);
        sandbox.powerBi().refreshTakes(Duration.ofMillis(1500));
        sandbox.powerBi().refreshBusyStatus(400);
    }

    @AfterAll
    static void stop() throws Exception {
        keep.close();
        sandbox.close();
    }

    @Test
    void aRefreshReadsTheSourceWithTheDataSourcesCredentialsAndQueriesAnswerFromIt() throws Exception {
        // a server of its own: credentials belong to the data source, which every model reading that server shares
        sandbox.powerBi().reachSource("finance-a:5432", "finance", DB, "sa", "", "reader", "s3cret");
        String id = createModel("Finance A", "Name", "finance-a:5432");
        String ds = datasets(id);
        JsonNode sources = JSON.readTree(call("GET", ds + "/datasources", powerBiToken, null).body()).path("value");
        assertThat(sources).hasSize(1);
        assertThat(sources.path(0).path("connectionDetails").path("server").asText()).isEqualTo("finance-a:5432");

        // no credentials yet: the refresh fails, and the model holds nothing
        JsonNode failed = refreshToEnd(ds, "{\"type\": \"full\", \"commitMode\": \"transactional\", \"objects\": [{\"table\": \"Vendors\"}]}");
        assertThat(failed.path("status").asText()).isEqualTo("Failed");
        assertThat(failed.path("messages").toString()).contains("credentials");
        assertThat(count(ds, "Vendors")).as("COUNTROWS of a table never refreshed is BLANK").isNull();

        assertThat(patch(sources.path(0), "reader", "wrong").statusCode()).isEqualTo(200);
        assertThat(refreshToEnd(ds, "{\"type\": \"full\", \"objects\": [{\"table\": \"Vendors\"}]}").path("messages").toString())
                .contains("invalid");
        assertThat(patch(sources.path(0), "reader", "s3cret").statusCode()).isEqualTo(200);
        JsonNode done = refreshToEnd(ds, "{\"type\": \"full\", \"commitMode\": \"transactional\", \"objects\": [{\"table\": \"Vendors\"}]}");
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("Completed");
        assertThat(done.path("objects")).extracting(o -> o.path("table").asText() + "=" + o.path("status").asText())
                .containsExactly("Vendors=Completed");
        assertThat(count(ds, "Vendors")).isEqualTo(7L);
        assertThat(count(ds, "Accounts")).as("not asked: still never refreshed").isNull();

        HttpResponse<String> two = call("POST", ds + "/executeQueries", powerBiToken,
                "{\"queries\": [{\"query\": \"EVALUATE ROW(\\\"a\\\", 1)\"}, {\"query\": \"EVALUATE ROW(\\\"b\\\", 2)\"}]}");
        assertThat(two.statusCode()).as("one query a call").isEqualTo(400);
        assertThat(query(ds, "EVALUATE ROW(\"n\", COUNTROWS('Nope'))").statusCode()).isEqualTo(400);
    }

    @Test
    void aTransactionalRefreshThatFailsOnOneTableCommitsNone() throws Exception {
        String id = createModel("Finance B", "Missing", "finance-db:5432");
        String ds = datasets(id);
        JsonNode source = JSON.readTree(call("GET", ds + "/datasources", powerBiToken, null).body()).path("value").path(0);
        patch(source, "reader", "s3cret");
        JsonNode r = refreshToEnd(ds, "{\"type\": \"full\", \"commitMode\": \"transactional\"}");
        assertThat(r.path("status").asText()).isEqualTo("Failed");
        assertThat(r.path("messages").toString()).contains("The column 'Missing' of the table wasn't found");
        assertThat(count(ds, "Accounts")).as("Accounts read fine but a transactional refresh commits all or nothing").isNull();
    }

    @Test
    void oneRefreshAtATimeAndEnhancedRefreshNeedsCapacity() throws Exception {
        String ds = datasets(createModel("Finance C", "Name", "finance-db:5432"));
        sandbox.powerBi().refreshTakes(Duration.ofSeconds(30));
        HttpResponse<String> first = call("POST", ds + "/refreshes", powerBiToken, "{\"type\": \"full\"}");
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.headers().firstValue("Location").orElseThrow()).contains("refreshes/");
        assertThat(call("POST", ds + "/refreshes", powerBiToken, "{\"type\": \"full\"}").statusCode()).isEqualTo(400);
        sandbox.powerBi().refreshBusyStatus(409);
        assertThat(call("POST", ds + "/refreshes", powerBiToken, "{\"notifyOption\": \"NoNotification\"}").statusCode()).isEqualTo(409);
        String rid = first.headers().firstValue("Location").orElseThrow().replaceAll(".*refreshes/", "");
        assertThat(call("GET", ds + "/refreshes/" + rid, powerBiToken, null).statusCode()).as("202 while it runs").isEqualTo(202);
        assertThat(call("DELETE", ds + "/refreshes/" + rid, powerBiToken, null).statusCode()).isEqualTo(200);

        assertThat(call("POST", ds + "/refreshes", powerBiToken, "{\"type\": \"full\", \"notifyOption\": \"NoNotification\"}").statusCode())
                .as("notifyOption with enhanced parameters").isEqualTo(400);
        assertThat(call("POST", ds + "/refreshes", powerBiToken, "{\"type\": \"everything\"}").statusCode()).isEqualTo(400);
        assertThat(call("POST", ds + "/refreshes", powerBiToken, "{\"objects\": [{\"table\": \"Nope\"}]}").statusCode()).isEqualTo(400);

        sandbox.powerBi().refreshTakes(Duration.ZERO);
        sandbox.powerBi().sharedCapacity(true);
        HttpResponse<String> enhanced = call("POST", ds + "/refreshes", powerBiToken, "{\"type\": \"full\", \"objects\": [{\"table\": \"Vendors\"}]}");
        assertThat(enhanced.statusCode()).isEqualTo(400);
        assertThat(enhanced.body()).contains("shared capacity");
        int accepted = 0;
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> plain = call("POST", ds + "/refreshes", powerBiToken, "{\"notifyOption\": \"NoNotification\"}");
            if (plain.statusCode() == 202) {
                accepted++;
            }
        }
        assertThat(accepted).as("8 refreshes in 24 hours on shared capacity, counting the one cancelled").isEqualTo(7);
    }

    @Test
    void executeQueriesIsLimitedTo120AMinute() throws Exception {
        String ds = datasets(createModel("Finance D", "Name", "finance-db:5432"));
        int ok = 0;
        int refused = 0;
        for (int i = 0; i < 125; i++) {
            int s = query(ds, "EVALUATE ROW(\"v\", COUNTROWS('Vendors'))").statusCode();
            ok += s == 200 ? 1 : 0;
            refused += s == 429 ? 1 : 0;
        }
        assertThat(ok).isLessThanOrEqualTo(120);
        assertThat(refused).isGreaterThanOrEqualTo(5);
    }

    // --- helpers

    private static String createModel(String name, String secondColumn, String server) throws Exception {
        Map<String, String> parts = new LinkedHashMap<>();
        parts.put("definition.pbism", "{\"version\": \"4.0\", \"settings\": {}}");
        parts.put("definition/database.tmdl", "database\n\tcompatibilityLevel: 1567\n\tcompatibilityMode: powerBI\n");
        parts.put("definition/model.tmdl", "model Model\n\tculture: en-US\n\tdefaultPowerBIDataSourceVersion: powerBI_V3\n\n"
                + "ref table Vendors\nref table Accounts\n");
        parts.put("definition/tables/Vendors.tmdl", "table Vendors\n\tcolumn Id\n\t\tdataType: int64\n\t\tsourceColumn: Id\n"
                + "\tcolumn " + secondColumn + "\n\t\tdataType: string\n\t\tsourceColumn: " + secondColumn + "\n"
                + partition("Vendors", server));
        parts.put("definition/tables/Accounts.tmdl", "table Accounts\n\tcolumn Id\n\t\tdataType: int64\n\t\tsourceColumn: Id\n"
                + partition("Accounts", server));
        ObjectNode def = JSON.createObjectNode().put("format", "TMDL");
        ArrayNode list = def.putArray("parts");
        parts.forEach((p, t) -> list.addObject().put("path", p).put("payload", Base64.getEncoder().encodeToString(t.getBytes(StandardCharsets.UTF_8)))
                .put("payloadType", "InlineBase64"));
        HttpResponse<String> r = call("POST", sandbox.fabric().apiUrl() + "/workspaces/" + Sandbox.WORKSPACE + "/semanticModels",
                fabricToken, "{\"displayName\": \"" + name + "\", \"definition\": " + def + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return sandbox.fabric().model(name).id();
    }

    private static String partition(String table, String server) {
        return "\tpartition " + table + " = m\n\t\tmode: import\n\t\tsource =\n\t\t\tlet\n"
                + "\t\t\t    Source = PostgreSQL.Database(\"" + server + "\", \"finance\"),\n"
                + "\t\t\t    Rows = Source{[Schema=\"public\", Item=\"" + table + "\"]}[Data]\n\t\t\tin\n\t\t\t    Rows\n";
    }

    private static String datasets(String id) {
        return sandbox.powerBi().apiUrl() + "/groups/" + Sandbox.WORKSPACE + "/datasets/" + id;
    }

    private static HttpResponse<String> patch(JsonNode source, String user, String password) throws Exception {
        String creds = JSON.createObjectNode().set("credentialData", JSON.createArrayNode()
                .add(JSON.createObjectNode().put("name", "username").put("value", user))
                .add(JSON.createObjectNode().put("name", "password").put("value", password))).toString();
        ObjectNode body = JSON.createObjectNode();
        body.putObject("credentialDetails").put("credentialType", "Basic").put("credentials", creds)
                .put("encryptedConnection", "Encrypted").put("encryptionAlgorithm", "None").put("privacyLevel", "Organizational");
        return call("PATCH", sandbox.powerBi().apiUrl() + "/gateways/" + source.path("gatewayId").asText() + "/datasources/"
                + source.path("datasourceId").asText(), powerBiToken, body.toString());
    }

    private static JsonNode refreshToEnd(String ds, String body) throws Exception {
        HttpResponse<String> r = call("POST", ds + "/refreshes", powerBiToken, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String id = r.headers().firstValue("Location").orElseThrow().replaceAll(".*refreshes/", "");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> s = call("GET", ds + "/refreshes/" + id, powerBiToken, null);
            if (s.statusCode() == 200) {
                return JSON.readTree(s.body());
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the refresh did not end");
    }

    private static HttpResponse<String> query(String ds, String dax) throws Exception {
        return call("POST", ds + "/executeQueries", powerBiToken, JSON.createObjectNode().set("queries",
                JSON.createArrayNode().add(JSON.createObjectNode().put("query", dax))).toString());
    }

    private static Long count(String ds, String table) throws Exception {
        HttpResponse<String> r = query(ds, "EVALUATE ROW(\"n\", COUNTROWS('" + table + "'))");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode v = JSON.readTree(r.body()).path("results").path(0).path("tables").path(0).path("rows").path(0).path("[n]");
        return v.isNull() ? null : v.asLong();
    }

    private static String token(String scope) throws Exception {
        String form = "grant_type=client_credentials&client_id=" + Sandbox.CLIENT_ID + "&client_secret=" + Sandbox.CLIENT_SECRET
                + "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8);
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(sandbox.authorityHost() + "/" + Sandbox.TENANT + "/oauth2/v2.0/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString()).body()).path("access_token").asText();
    }

    private static HttpResponse<String> call(String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
