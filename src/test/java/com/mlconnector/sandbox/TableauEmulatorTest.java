package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mlconnector.http.ConnectorTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The sandbox Tableau refuses what the real one refuses. */
class TableauEmulatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Sandbox sandbox;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> settings = Map.of("sandbox.fno.throttle-share", "0", "sandbox.tableau.job-seconds", "3");
        sandbox = Sandbox.start(settings::get);
        http = HttpClient.newBuilder().sslContext(ConnectorTls.context(SandboxTls.trustManager())).build();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    private static HttpResponse<String> call(String method, String path, String body, String token, String version) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sandbox.tableau().baseUrl() + "/api/" + version + "/" + path))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Tableau-Auth", token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> signIn(String name, String secret, String site) throws Exception {
        return call("POST", "auth/signin", "{\"credentials\":{\"personalAccessTokenName\":\"" + name
                + "\",\"personalAccessTokenSecret\":\"" + secret + "\",\"site\":{\"contentUrl\":\"" + site + "\"}}}", null, "3.29");
    }

    private static String token(HttpResponse<String> signIn) throws Exception {
        return JSON.readTree(signIn.body()).path("credentials").path("token").asText();
    }

    private static String code(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("error").path("code").asText();
    }

    @Test
    void signInNeedsTheTokenAndSiteAndASecondSignInEndsTheFirstSession() throws Exception {
        HttpResponse<String> wrong = signIn(Sandbox.TABLEAU_PAT_NAME, "not-the-secret", Sandbox.TABLEAU_SITE);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(code(wrong)).isEqualTo("401001");
        assertThat(signIn(Sandbox.TABLEAU_PAT_NAME, Sandbox.TABLEAU_PAT_SECRET, "other-site").statusCode()).isEqualTo(401);

        HttpResponse<String> first = signIn(Sandbox.TABLEAU_PAT_NAME, Sandbox.TABLEAU_PAT_SECRET, Sandbox.TABLEAU_SITE);
        assertThat(first.statusCode()).isEqualTo(200);
        JsonNode creds = JSON.readTree(first.body()).path("credentials");
        assertThat(creds.path("site").path("id").asText()).isEqualTo(sandbox.tableau().siteId());
        String site = sandbox.tableau().siteId();
        String ds = "sites/" + site + "/datasources/" + Sandbox.TABLEAU_DATASOURCE;
        assertThat(call("GET", ds, null, token(first), "3.29").statusCode()).isEqualTo(200);

        String second = token(signIn(Sandbox.TABLEAU_PAT_NAME, Sandbox.TABLEAU_PAT_SECRET, Sandbox.TABLEAU_SITE));
        HttpResponse<String> ended = call("GET", ds, null, token(first), "3.29");
        assertThat(ended.statusCode()).isEqualTo(401);
        assertThat(code(ended)).isEqualTo("401002");
        assertThat(call("GET", ds, null, second, "3.29").statusCode()).isEqualTo(200);

        // the site LUID, not the content URL, in site URLs; JSON only when asked; known versions only
        assertThat(call("GET", "sites/" + Sandbox.TABLEAU_SITE + "/datasources/" + Sandbox.TABLEAU_DATASOURCE, null, second, "3.29")
                .statusCode()).isEqualTo(403);
        assertThat(call("GET", ds, null, second, "3.40").statusCode()).isEqualTo(404);
        HttpResponse<String> xml = http.send(HttpRequest.newBuilder(URI.create(sandbox.tableau().baseUrl() + "/api/3.29/" + ds))
                .header("X-Tableau-Auth", second).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(xml.statusCode()).isEqualTo(406);
        assertThat(call("GET", "sites/" + site + "/datasources/nope", null, second, "3.29").statusCode()).isEqualTo(404);
    }

    @Test
    void aRefreshIsAJobThatProgressesFinishesAndCannotRunTwiceAtOnce() throws Exception {
        String token = token(signIn(Sandbox.TABLEAU_PAT_NAME, Sandbox.TABLEAU_PAT_SECRET, Sandbox.TABLEAU_SITE));
        String site = sandbox.tableau().siteId();
        String refresh = "sites/" + site + "/datasources/" + Sandbox.TABLEAU_DATASOURCE + "/refresh";
        assertThat(call("POST", refresh, "{\"extractRefresh\":{\"incremental\":true}}", token, "3.24").statusCode())
                .as("incremental needs 3.25").isEqualTo(400);
        HttpResponse<String> started = call("POST", refresh, "{}", token, "3.29");
        assertThat(started.statusCode()).isEqualTo(202);
        JsonNode job = JSON.readTree(started.body()).path("job");
        assertThat(job.path("type").asText()).isEqualTo("RefreshExtract");
        HttpResponse<String> again = call("POST", refresh, "{}", token, "3.29");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(code(again)).isEqualTo("409093");

        JsonNode running = JSON.readTree(call("GET", "sites/" + site + "/jobs/" + job.path("id").asText(), null, token, "3.29").body()).path("job");
        assertThat(running.has("completedAt")).isFalse();
        assertThat(running.has("finishCode")).isFalse();
        Thread.sleep(Duration.ofSeconds(3).plusMillis(300).toMillis());
        JsonNode done = JSON.readTree(call("GET", "sites/" + site + "/jobs/" + job.path("id").asText(), null, token, "3.29").body()).path("job");
        assertThat(done.path("completedAt").asText()).isNotEmpty();
        assertThat(done.path("finishCode").asText()).isEqualTo("0");
        assertThat(done.path("progress").asText()).isEqualTo("100");
    }
}
