package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.http.ConnectorTls;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The emulators keep the real contracts: a connector that gets these wrong must fail here as it would on F&O. */
class SandboxContractTest {
    private static Sandbox sandbox;
    private static HttpClient http;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        Map<String, String> settings = Map.of("sandbox.fno.page-size", "100", "sandbox.fno.throttle-share", "0",
                "sandbox.fno.rows.VendorsV2", "250");
        sandbox = Sandbox.start(settings::get);
        http = HttpClient.newBuilder().sslContext(ConnectorTls.context(SandboxTls.trustManager())).build();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    private static HttpResponse<String> token(String clientId, String secret, String scope) throws Exception {
        String form = "grant_type=client_credentials&client_id=" + enc(clientId) + "&client_secret=" + enc(secret) + "&scope=" + enc(scope);
        return http.send(HttpRequest.newBuilder(URI.create(sandbox.authorityHost() + "/" + Sandbox.TENANT + "/oauth2/v2.0/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String goodToken() throws Exception {
        return JSON.readTree(token(Sandbox.CLIENT_ID, Sandbox.CLIENT_SECRET, sandbox.fnoUrl() + "/.default").body())
                .path("access_token").asText();
    }

    private static HttpResponse<String> get(String pathAndQuery, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(pathAndQuery.startsWith("https") ? pathAndQuery : sandbox.fnoUrl() + pathAndQuery));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void entraChecksSecretTenantAndAudience() throws Exception {
        assertThat(token(Sandbox.CLIENT_ID, "wrong", sandbox.fnoUrl() + "/.default").statusCode()).isEqualTo(401);
        assertThat(token("nobody", Sandbox.CLIENT_SECRET, sandbox.fnoUrl() + "/.default").body()).contains("AADSTS700016");
        HttpResponse<String> badScope = token(Sandbox.CLIENT_ID, Sandbox.CLIENT_SECRET, "https://management.azure.com/.default");
        assertThat(badScope.statusCode()).isEqualTo(400);
        assertThat(badScope.body()).contains("AADSTS70011");
        JsonNode ok = JSON.readTree(token(Sandbox.CLIENT_ID, Sandbox.CLIENT_SECRET, sandbox.fnoUrl() + "/.default openid profile").body());
        assertThat(ok.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(ok.path("expires_in").asLong()).isPositive();
    }

    @Test
    void fnoRefusesMissingExpiredAndForeignTokens() throws Exception {
        assertThat(get("/data/VendorsV2", null).statusCode()).isEqualTo(401);
        assertThat(get("/data/VendorsV2", "made-up").statusCode()).isEqualTo(401);
        String t = goodToken();
        assertThat(get("/data/VendorsV2?$top=1", t).statusCode()).isEqualTo(200);
        sandbox.tokens().expireAll();
        HttpResponse<String> expired = get("/data/VendorsV2?$top=1", t);
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(expired.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("EXPIRED"));
    }

    @Test
    void pagesAreServerDrivenWithAbsoluteNextLinksOnThisHost() throws Exception {
        String t = goodToken();
        JsonNode first = JSON.readTree(get("/data/VendorsV2?cross-company=true&$select=dataAreaId,VendorAccountNumber&$count=true", t).body());
        assertThat(first.path("@odata.count").asLong()).isEqualTo(250);
        assertThat(first.path("value")).hasSize(100);
        assertThat(first.path("value").get(0).path("dataAreaId").asText()).isEqualTo("usmf");
        assertThat(first.path("value").get(0).has("VendorOrganizationName")).isFalse();
        String next = first.path("@odata.nextLink").asText();
        assertThat(next).startsWith(sandbox.fnoUrl() + "/data/VendorsV2?");
        int rows = 100;
        while (next != null && !next.isEmpty()) {
            JsonNode page = JSON.readTree(get(next, t).body());
            rows += page.path("value").size();
            assertThat(page.has("@odata.count")).isFalse();
            next = page.path("@odata.nextLink").asText(null);
        }
        assertThat(rows).isEqualTo(250);
    }

    @Test
    void withoutCrossCompanyOnlyTheDefaultCompanyAnswers() throws Exception {
        String t = goodToken();
        assertThat(get("/data/VendorsV2/$count", t).body()).isEqualTo("84");
        assertThat(get("/data/VendorsV2/$count?cross-company=true", t).body()).isEqualTo("250");
        assertThat(get("/data/VendorsV2/$count?cross-company=true&$filter=" + enc("dataAreaId eq 'DEMF'"), t).body()).isEqualTo("83");
    }

    @Test
    void queriesF_O_refusesAreRefusedHereToo() throws Exception {
        String t = goodToken();
        HttpResponse<String> unknownSelect = get("/data/VendorsV2?$select=NoSuchProperty", t);
        assertThat(unknownSelect.statusCode()).isEqualTo(400);
        assertThat(unknownSelect.body()).contains("NoSuchProperty");
        assertThat(get("/data/VendorsV2?$filter=" + enc("dataAreaId in ('usmf','demf')"), t).statusCode()).isEqualTo(400);
        assertThat(get("/data/VendorsV2?$filter=" + enc("OnHoldStatus gt Microsoft.Dynamics.DataEntities.CustVendorBlocked'No'"), t)
                .statusCode()).isEqualTo(400);
        assertThat(get("/data/VendorsV2?$filter=" + enc("OnHoldStatus eq Microsoft.Dynamics.DataEntities.CustVendorBlocked'Maybe'"), t)
                .statusCode()).isEqualTo(400);
        assertThat(get("/data/VendorsV2?$filter=" + enc("NoSuch eq 'x'"), t).statusCode()).isEqualTo(400);
        assertThat(get("/data/VendorsV2?$bogus=1", t).statusCode()).isEqualTo(400);
        assertThat(get("/data/NoSuchEntity", t).statusCode()).isEqualTo(404);
        assertThat(get("/data/$metadata", t).body()).contains("<EntitySet Name=\"VendorsV2\"").contains("<EnumType Name=\"NoYes\">");
    }

    @Test
    void filtersCompareLikeF_O() throws Exception {
        String t = goodToken();
        String eq = get("/data/VendorsV2/$count?cross-company=true&$filter="
                + enc("OnHoldStatus eq Microsoft.Dynamics.DataEntities.CustVendorBlocked'No' and dataAreaId eq 'usmf'"), t).body();
        String ne = get("/data/VendorsV2/$count?cross-company=true&$filter="
                + enc("not (OnHoldStatus eq Microsoft.Dynamics.DataEntities.CustVendorBlocked'No') and dataAreaId eq 'usmf'"), t).body();
        assertThat(Long.parseLong(eq) + Long.parseLong(ne)).isEqualTo(84);
        assertThat(get("/data/VendorsV2/$count?cross-company=true&$filter=" + enc("VendorAccountNumber gt 'V-000080' and dataAreaId eq 'usmf'"), t)
                .body()).isEqualTo("4");
    }

    @Test
    void theConnectorRenewsTokensBeforeTheyExpireAndOnceMoreAfterA401() throws Exception {
        Properties p = TestConnector.defaults();
        // a short lifetime, renewed at half of it (5 s): long enough for two runs on a busy machine
        p.setProperty("sandbox.entra.token-lifetime-seconds", "10");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            long acquired = System.nanoTime();
            rt.syncNow("Vendors", "test");
            assertThat(rt.tokens().acquisitions()).isEqualTo(1);
            rt.syncNow("Vendors", "test");
            assertThat(rt.tokens().acquisitions()).as("still well within its lifetime").isEqualTo(1);
            // past the renewal point (half of the lifetime) but before expiry: renewed without a 401
            Thread.sleep(Math.max(0, 5_800 - (System.nanoTime() - acquired) / 1_000_000));
            rt.syncNow("Vendors", "test");
            assertThat(rt.tokens().acquisitions()).isEqualTo(2);
            // the service revokes the token the connector holds: the next call gets a 401 and renews once
            rt.sandbox().entra().setLifetimeSeconds(3600);
            rt.sandbox().tokens().expireAll();
            rt.syncNow("Vendors", "test");
            assertThat(rt.tokens().acquisitions()).isEqualTo(3);
            assertThat(TestConnector.runs(rt, "Vendors")).hasSize(4).allSatisfy(r -> assertThat(r).containsEntry("STATUS", "SUCCEEDED"));
        }
    }
}
