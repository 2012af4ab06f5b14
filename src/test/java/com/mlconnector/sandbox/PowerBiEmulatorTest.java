package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Collections;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The sandbox Power BI refuses what the real one refuses. */
class PowerBiEmulatorTest {
    private static Sandbox sandbox;
    private static HttpClient http;
    private static String token;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> settings = Map.of("sandbox.fno.throttle-share", "0");
        sandbox = Sandbox.start(settings::get);
        http = HttpClient.newBuilder().sslContext(ConnectorTls.context(SandboxTls.trustManager())).build();
        String form = "grant_type=client_credentials&client_id=" + Sandbox.CLIENT_ID + "&client_secret=" + Sandbox.CLIENT_SECRET
                + "&scope=" + URLEncoder.encode(PowerBiEmulator.AUDIENCE + "/.default", StandardCharsets.UTF_8);
        token = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(sandbox.authorityHost() + "/" + Sandbox.TENANT
                + "/oauth2/v2.0/token")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString()).body())
                .path("access_token").asText();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    private static HttpResponse<String> call(String method, String path, String body, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sandbox.powerBi().apiUrl() + "/groups/" + Sandbox.WORKSPACE + path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String dataset(String name, String retention, String columnsJson) throws Exception {
        HttpResponse<String> r = call("POST", "/datasets?defaultRetentionPolicy=" + retention, "{\"name\":\"" + name
                + "\",\"defaultMode\":\"Push\",\"tables\":[{\"name\":\"T\",\"columns\":" + columnsJson + "}]}", token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body()).path("id").asText();
    }

    private static String rows(int n, String valueJson) {
        return "{\"rows\":[" + String.join(",", Collections.nCopies(n, "{\"A\":" + valueJson + "}")) + "]}";
    }

    @Test
    void refusesWrongAudienceTooManyRowsUnknownTablesAndWrongTypes() throws Exception {
        String fnoToken = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(sandbox.authorityHost() + "/" + Sandbox.TENANT
                + "/oauth2/v2.0/token")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id=" + Sandbox.CLIENT_ID
                        + "&client_secret=" + Sandbox.CLIENT_SECRET + "&scope=" + URLEncoder.encode(sandbox.fnoUrl() + "/.default",
                        StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString()).body()).path("access_token").asText();
        assertThat(call("GET", "/datasets", null, fnoToken).statusCode()).as("an F&O token").isEqualTo(401);

        String id = dataset("strict", "None", "[{\"name\":\"A\",\"dataType\":\"Int64\"}]");
        assertThat(call("POST", "/datasets/" + id + "/tables/T/rows", rows(10_000, "1"), token).statusCode()).isEqualTo(200);
        assertThat(call("POST", "/datasets/" + id + "/tables/T/rows", rows(10_001, "1"), token).statusCode()).isEqualTo(400);
        assertThat(call("POST", "/datasets/" + id + "/tables/Nope/rows", rows(1, "1"), token).statusCode()).isEqualTo(400);
        assertThat(call("POST", "/datasets/" + id + "/tables/T/rows", rows(1, "\"one\""), token).statusCode()).isEqualTo(400);
        assertThat(call("POST", "/datasets/" + id + "/tables/T/rows", "{\"rows\":[{\"B\":1}]}", token).statusCode()).isEqualTo(400);
        String wide = IntStream.range(0, 76).mapToObj(i -> "{\"name\":\"C" + i + "\",\"dataType\":\"String\"}")
                .collect(Collectors.joining(",", "[", "]"));
        assertThat(call("PUT", "/datasets/" + id + "/tables/W", "{\"name\":\"W\",\"columns\":" + wide + "}", token).statusCode()).isEqualTo(400);
        assertThat(call("GET", "/datasets", null, token).body()).contains("strict");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(sandbox.powerBi().apiUrl() + "/groups/someone-elses/datasets"))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    }

    @Test
    void stringsOver4000CharactersAreRefusedAndFifoKeepsTheNewest200000Rows() throws Exception {
        String id = dataset("fifo", "basicFIFO", "[{\"name\":\"A\",\"dataType\":\"String\"}]");
        assertThat(call("POST", "/datasets/" + id + "/tables/T/rows", rows(1, "\"" + "x".repeat(4_001) + "\""), token)
                .statusCode()).isEqualTo(400);
        for (int i = 0; i < 21; i++) {
            assertThat(call("POST", "/datasets/" + id + "/tables/T/rows", rows(10_000, "\"r" + i + "\""), token).statusCode()).isEqualTo(200);
        }
        PowerBiEmulator.Table t = sandbox.powerBi().dataset("fifo").table("T");
        assertThat(t.count()).isEqualTo(200_000);
        assertThat(t.rows().get(0).get("A")).isEqualTo("r1"); // the oldest 10,000 were dropped
    }

    @Test
    void postNumber121WithinAMinuteIsThrottledWithRetryAfter() throws Exception {
        String id = dataset("rate", "None", "[{\"name\":\"A\",\"dataType\":\"Int64\"}]");
        int ok = 0;
        HttpResponse<String> r = null;
        for (int i = 0; i < 121; i++) {
            r = call("POST", "/datasets/" + id + "/tables/T/rows", rows(1, "1"), token);
            if (r.statusCode() == 200) {
                ok++;
            }
        }
        assertThat(ok).isEqualTo(120);
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 61));
    }
}
