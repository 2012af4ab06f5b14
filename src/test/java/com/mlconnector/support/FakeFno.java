package com.mlconnector.support;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * WireMock over HTTPS (the sandbox certificate, trusted through the JVM trust-store properties the build sets)
 * playing both Entra ID and F&O, for contracts and faults the sandbox does not produce on demand.
 */
public final class FakeFno implements AutoCloseable {
    public static final String TENANT = "test-tenant";
    public static final String CLIENT_ID = "test-client";
    public static final String SECRET = "test-secret";

    public final WireMockServer server;

    public FakeFno() {
        server = new WireMockServer(WireMockConfiguration.options()
                .httpDisabled(true)
                .dynamicHttpsPort()
                .keystorePath(Path.of("src/main/resources/sandbox/sandbox-tls.p12").toAbsolutePath().toString())
                .keystoreType("PKCS12")
                .keystorePassword("sandbox")
                .keyManagerPassword("sandbox"));
        server.start();
        // the tenant's $metadata: every entity of the published reference (a test may stub another)
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo("/data/$metadata")).atPriority(10)
                .willReturn(aResponse().withHeader("Content-Type", "application/xml")
                        .withBody(com.mlconnector.sandbox.Sandbox.referenceMetadata())));
    }

    /** https://localhost:port: what d365.url is set to. */
    public String url() {
        return "https://localhost:" + server.httpsPort();
    }

    /** Answers every token request with the given access token. */
    public FakeFno token(String accessToken) {
        server.stubFor(post(urlPathEqualTo("/" + TENANT + "/oauth2/v2.0/token"))
                .willReturn(okJson("{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":\""
                        + accessToken + "\"}")));
        return this;
    }

    public Properties settings() {
        Properties p = TestConnector.defaults();
        p.setProperty("d365.url", url());
        p.remove("connector.sandbox"); // a real F&O
        p.setProperty("landing.jdbc-url", p.getProperty("sandbox.landing.jdbc-url")); // a real F&O: the configured database
        p.setProperty("entra.authority-host", url());
        p.setProperty("d365.tenant-id", TENANT);
        p.setProperty("d365.client-id", CLIENT_ID);
        p.setProperty("d365.client-secret", SECRET);
        return p;
    }

    /** Requests for data (pages and counts), in order; $metadata reads are left out. */
    public List<LoggedRequest> dataRequests() {
        return server.findAll(anyRequestedFor(urlPathMatching("/data/.*"))).stream()
                .filter(r -> !r.getUrl().startsWith("/data/$metadata")).toList();
    }

    public List<LoggedRequest> metadataRequests() {
        return server.findAll(anyRequestedFor(urlPathEqualTo("/data/$metadata")));
    }

    public static String page(String nextLink, String... rows) {
        return "{\"@odata.context\":\"x\",\"value\":[" + String.join(",", rows) + "]"
                + (nextLink == null ? "" : ",\"@odata.nextLink\":\"" + nextLink + "\"") + "}";
    }

    /** A ProductsV2 row (the Products mapping: shared, keyed by ProductNumber). */
    public static String product(String number, String name) {
        return "{\"@odata.etag\":\"W/\\\"x\\\"\",\"ProductNumber\":\"" + number + "\",\"ProductName\":\"" + name
                + "\",\"ProductSearchName\":\"\",\"ProductDescription\":\"\",\"ProductType\":\"Item\",\"ProductSubType\":\"Product\","
                + "\"RetailProductCategoryName\":\"\",\"IsCatchWeightProduct\":\"No\",\"Unmapped\":{\"nested\":[1,2]}}";
    }

    public static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder status(int code) {
        return aResponse().withStatus(code);
    }

    @Override
    public void close() {
        server.stop();
    }
}
