package com.mlconnector.fno;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.support.FakeFno;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.mlconnector.support.FakeFno.page;
import static com.mlconnector.support.FakeFno.product;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The F&O read contract and its faults, against WireMock over HTTPS. */
class FnoContractTest {
    private final FakeFno fno = new FakeFno().token("tok-1");

    @AfterEach
    void stop() {
        fno.close();
    }

    private void firstPage(com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder response) {
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).withQueryParam("$skiptoken", absent()).willReturn(response));
    }

    private void pageAt(String token, com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder response) {
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).withQueryParam("$skiptoken", equalTo(token)).willReturn(response));
    }

    private String link(String token) {
        return fno.url() + "/data/ProductsV2?$skiptoken=" + token;
    }

    @Test
    void followsTheNextLinkChainToTheEndWithTheTokenOnEveryPage() throws Exception {
        firstPage(okJson(page(link("2"), product("P-1", "One"), product("P-2", "Two"))));
        pageAt("2", okJson(page(link("4"), product("P-3", "O'Brien"), product("P-4", "Grüße"))));
        pageAt("4", okJson(page(null, product("P-5", "Five"))));
        try (ConnectorRuntime rt = TestConnector.start(fno.settings())) {
            rt.syncNow("Products", "test");
            assertThat(TestConnector.query(rt, "SELECT \"ProductNumber\", \"ProductName\", \"IsCatchWeight\" FROM \"Products\" ORDER BY 1"))
                    .extracting(r -> r.get("ProductName")).containsExactly("One", "Two", "O'Brien", "Grüße", "Five");
            assertThat(TestConnector.runs(rt, "Products").get(0)).containsEntry("STATUS", "SUCCEEDED").containsEntry("PAGES", 3);
        }
        List<LoggedRequest> requests = fno.dataRequests();
        assertThat(requests).hasSize(3).allSatisfy(r -> assertThat(r.getHeader("Authorization")).isEqualTo("Bearer tok-1"));
        // the first request selects only the mapped columns and asks for the count; products carry no company
        String first = requests.get(0).getUrl();
        assertThat(first).contains("$select=ProductNumber,ProductName,ProductSearchName").contains("$count=true")
                .doesNotContain("cross-company").doesNotContain("dataAreaId");
    }

    @Test
    void waitsWhatRetryAfterSaysBeforeAsking429Again() throws Exception {
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).inScenario("throttle").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2")).willSetStateTo("open"));
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).inScenario("throttle").whenScenarioStateIs("open")
                .willReturn(okJson(page(null, product("P-1", "One")))));
        try (ConnectorRuntime rt = TestConnector.start(fno.settings())) {
            rt.syncNow("Products", "test");
            assertThat(TestConnector.count(rt, "Products")).isEqualTo(1);
        }
        List<LoggedRequest> requests = fno.dataRequests();
        assertThat(requests).hasSize(2);
        assertThat(requests.get(1).getLoggedDate().getTime() - requests.get(0).getLoggedDate().getTime())
                .isGreaterThanOrEqualTo(2000);
    }

    @Test
    void retryAfterAsAnHttpDateIsHonouredToo() throws Exception {
        ZonedDateTime retryAt = ZonedDateTime.now().plusSeconds(4).withNano(0);
        String when = retryAt.format(DateTimeFormatter.RFC_1123_DATE_TIME);
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).inScenario("throttle").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503).withHeader("Retry-After", when)).willSetStateTo("open"));
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).inScenario("throttle").whenScenarioStateIs("open")
                .willReturn(okJson(page(null, product("P-1", "One")))));
        try (ConnectorRuntime rt = TestConnector.start(fno.settings())) {
            rt.syncNow("Products", "test");
        }
        List<LoggedRequest> requests = fno.dataRequests();
        assertThat(requests).hasSize(2);
        // no request before the date Retry-After named
        assertThat(requests.get(1).getLoggedDate().toInstant()).isAfterOrEqualTo(retryAt.toInstant());
    }

    @Test
    void a401RenewsTheTokenOnceSkippingTheCache() throws Exception {
        fno.server.stubFor(post(urlPathEqualTo("/" + FakeFno.TENANT + "/oauth2/v2.0/token")).inScenario("tokens")
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("second")
                .willReturn(okJson("{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"revoked\"}")));
        fno.server.stubFor(post(urlPathEqualTo("/" + FakeFno.TENANT + "/oauth2/v2.0/token")).inScenario("tokens")
                .whenScenarioStateIs("second")
                .willReturn(okJson("{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"fresh\"}")));
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).withHeader("Authorization", equalTo("Bearer revoked"))
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")));
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).withHeader("Authorization", equalTo("Bearer fresh"))
                .willReturn(okJson(page(null, product("P-1", "One")))));
        try (ConnectorRuntime rt = TestConnector.start(fno.settings())) {
            rt.syncNow("Products", "test");
            assertThat(TestConnector.count(rt, "Products")).isEqualTo(1);
            assertThat(rt.tokens().acquisitions()).isEqualTo(2);
        }
        fno.server.verify(2, postRequestedFor(urlPathEqualTo("/" + FakeFno.TENANT + "/oauth2/v2.0/token")));
        assertThat(fno.dataRequests()).extracting(r -> r.getHeader("Authorization"))
                .containsExactly("Bearer revoked", "Bearer fresh");
    }

    @Test
    void aNextLinkToAnotherHostFailsTheReadAndGetsNoToken() throws Exception {
        try (FakeFno other = new FakeFno()) {
            String foreign = "https://127.0.0.1:" + other.server.httpsPort() + "/data/ProductsV2?$skiptoken=2";
            firstPage(okJson(page(foreign, product("P-1", "One"))));
            try (ConnectorRuntime rt = TestConnector.start(fno.settings())) {
                assertThatThrownBy(() -> rt.syncNow("Products", "test")).hasRootCauseInstanceOf(ForeignHostException.class);
                Map<String, Object> run = TestConnector.runs(rt, "Products").get(0);
                assertThat(run).containsEntry("STATUS", "FAILED");
                assertThat((String) run.get("ERROR_MESSAGE")).contains("not the configured d365.url")
                        .contains("127.0.0.1:" + other.server.httpsPort());
                assertThat(TestConnector.count(rt, "Products")).isZero();
            }
            assertThat(other.server.findAll(anyRequestedFor(urlPathMatching(".*")))).isEmpty();
            assertThat(fno.dataRequests()).hasSize(1);
        }
    }

    @Test
    void aNextLinkThatRepeatsFailsTheReadInsteadOfLoopingForever() throws Exception {
        firstPage(okJson(page(link("2"), product("P-1", "One"))));
        pageAt("2", okJson(page(link("2"), product("P-2", "Two"))));
        try (ConnectorRuntime rt = TestConnector.start(fno.settings())) {
            assertThatThrownBy(() -> rt.syncNow("Products", "test")).hasRootCauseInstanceOf(RepeatingPageException.class);
            assertThat((String) TestConnector.runs(rt, "Products").get(0).get("ERROR_MESSAGE")).contains("already read");
        }
        assertThat(fno.dataRequests()).hasSize(2);
    }

    @Test
    void aFailedReadIsRecordedOnceTheBatchesItReadAreDelivered() throws Exception {
        Properties p = fno.settings();
        p.setProperty("sync.batch-size", "2");
        firstPage(okJson(page(link("2"), product("P-1", "One"), product("P-2", "Two"))));
        pageAt("2", okJson("{\"value\":[" + product("P-3", "Three") + ",{\"ProductNumber\":\"P-4\",\"ProductName\":"));
        java.util.List<String> written = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        com.mlconnector.sync.BatchSink slow = batch -> {
            Thread.sleep(1500); // the first batch is still being written when the second page turns out malformed
            written.add(batch.keys().toString());
        };
        try (ConnectorRuntime rt = ConnectorRuntime.start(com.mlconnector.app.RuntimeOptions.once(java.nio.file.Path.of("."), p)
                .withSink(slow))) {
            assertThatThrownBy(() -> rt.syncNow("Products", "test")).isNotNull();
            assertThat(written).as("the batch read before the failure is delivered").hasSize(1);
            assertThat(TestConnector.runs(rt, "Products").get(0)).as("and counted in the failed run's record")
                    .containsEntry("STATUS", "FAILED").containsEntry("ROWS_WRITTEN", 2L).containsEntry("BATCHES", 1);
        }
    }

    @Test
    void aMalformedPageFailsTheRunAndNothingOfItLands() throws Exception {
        Properties p = fno.settings();
        p.setProperty("sync.batch-size", "2");
        firstPage(okJson(page(link("2"), product("P-1", "One"), product("P-2", "Two"))));
        pageAt("2", okJson("{\"value\":[" + product("P-3", "Three") + ",{\"ProductNumber\":\"P-4\",\"ProductName\":"));
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            assertThatThrownBy(() -> rt.syncNow("Products", "test")).hasRootCauseInstanceOf(
                    com.fasterxml.jackson.core.JsonProcessingException.class);
            Map<String, Object> run = TestConnector.runs(rt, "Products").get(0);
            assertThat(run).containsEntry("STATUS", "FAILED").containsEntry("ROWS_WRITTEN", 2L);
            assertThat((String) run.get("ERROR_MESSAGE")).contains("Malformed page of ProductsV2").contains("skiptoken=2");
            // the first page's batch landed whole; nothing of the broken page did
            assertThat(TestConnector.query(rt, "SELECT \"ProductNumber\" FROM \"Products\" ORDER BY 1"))
                    .extracting(r -> r.get("ProductNumber")).containsExactly("P-1", "P-2");
        }
        assertThat(fno.dataRequests()).hasSize(2); // a malformed page is not asked for again
    }

    @Test
    void aValueOfTheWrongTypeIsAMalformedPage() throws Exception {
        firstPage(okJson(page(null, product("P-1", "One").replace("\"IsCatchWeightProduct\":\"No\"", "\"IsCatchWeightProduct\":\"Maybe\""))));
        try (ConnectorRuntime rt = TestConnector.start(fno.settings())) {
            assertThatThrownBy(() -> rt.syncNow("Products", "test")).hasRootCauseInstanceOf(MalformedPageException.class)
                    .rootCause().hasMessageContaining("IsCatchWeightProduct = 'Maybe'");
        }
    }

    @Test
    void serverErrorsAndDroppedConnectionsAreRetried() throws Exception {
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).inScenario("faults").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("reset"));
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).inScenario("faults").whenScenarioStateIs("reset")
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("ok"));
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).inScenario("faults").whenScenarioStateIs("ok")
                .willReturn(okJson(page(null, product("P-1", "One")))));
        try (ConnectorRuntime rt = TestConnector.start(fno.settings())) {
            rt.syncNow("Products", "test");
            assertThat(TestConnector.count(rt, "Products")).isEqualTo(1);
        }
        assertThat(fno.dataRequests()).hasSize(3);
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 120, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aPageThatStopsHalfWayIsDroppedAtItsDeadlineAndReadAgain() throws Exception {
        // F&O answers the headers and the first half of a page, then goes silent: an HTTPS server of the test's own,
        // since WireMock holds the headers back with a delayed body
        String whole = page(null, product("P-1", "One"), product("P-2", "Two"));
        java.util.concurrent.atomic.AtomicInteger pages = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
        javax.net.ssl.KeyManagerFactory keys = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        keys.init(com.mlconnector.sandbox.SandboxTls.keyStore(), "sandbox".toCharArray());
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        com.sun.net.httpserver.HttpsServer stalling = com.sun.net.httpserver.HttpsServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 8);
        stalling.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
        stalling.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        stalling.createContext("/data/", ex -> {
            boolean metadata = ex.getRequestURI().getPath().endsWith("$metadata");
            byte[] body = (metadata ? com.mlconnector.sandbox.Sandbox.referenceMetadata() : whole).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", metadata ? "application/xml" : "application/json");
            ex.sendResponseHeaders(200, 0);
            try (java.io.OutputStream out = ex.getResponseBody()) {
                if (!metadata && pages.incrementAndGet() == 1) {
                    out.write(body, 0, body.length / 2);
                    out.flush();
                    stop.await(); // silent until the test ends
                } else {
                    out.write(body);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stalling.start();
        Properties p = fno.settings();
        p.setProperty("d365.url", "https://localhost:" + stalling.getAddress().getPort());
        p.setProperty("d365.request-timeout-seconds", "3");
        p.setProperty("d365.first-request-timeout-seconds", "3");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("Products", "test");
            assertThat(TestConnector.count(rt, "Products")).isEqualTo(2);
            assertThat(TestConnector.runs(rt, "Products").get(0)).containsEntry("STATUS", "SUCCEEDED");
        } finally {
            stop.countDown();
            stalling.stop(0);
        }
        assertThat(pages.get()).as("the stalled page was dropped and asked for again").isEqualTo(2);
    }

    @Test
    void aRefusedRequestIsNotRetriedAndTheReasonIsRecorded() throws Exception {
        firstPage(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"code\":\"\",\"message\":\"Could not find a property named 'ProductName'.\"}}"));
        try (ConnectorRuntime rt = TestConnector.start(fno.settings())) {
            assertThatThrownBy(() -> rt.syncNow("Products", "test")).isInstanceOf(RuntimeException.class);
            assertThat((String) TestConnector.runs(rt, "Products").get(0).get("ERROR_MESSAGE"))
                    .contains("HTTP 400").contains("Could not find a property named 'ProductName'");
        }
        assertThat(fno.dataRequests()).hasSize(1);
    }

    @Test
    void retriesStopAtTheConfiguredNumberOfAttempts() throws Exception {
        Properties p = fno.settings();
        p.setProperty("retry.max-attempts", "3");
        firstPage(aResponse().withStatus(502));
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            assertThatThrownBy(() -> rt.syncNow("Products", "test")).isInstanceOf(RuntimeException.class);
            assertThat(TestConnector.runs(rt, "Products").get(0)).containsEntry("STATUS", "FAILED");
        }
        assertThat(fno.dataRequests()).hasSize(3);
    }

    @Test
    void theFirstRequestGetsTheLongerWarmUpTimeoutAndLaterOnesTheNormalOne() throws Exception {
        Properties p = fno.settings();
        p.setProperty("d365.request-timeout-seconds", "1");
        p.setProperty("d365.first-request-timeout-seconds", "5");
        // F&O warming up: the first answer (the $metadata read before the first page) takes 2 s, longer than the
        // normal timeout
        fno.server.stubFor(get(urlPathEqualTo("/data/$metadata")).willReturn(aResponse()
                .withHeader("Content-Type", "application/xml").withBody(com.mlconnector.sandbox.Sandbox.referenceMetadata())
                .withFixedDelay(2000)));
        firstPage(okJson(page(link("2"), product("P-1", "One"))));
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).withQueryParam("$skiptoken", equalTo("2"))
                .inScenario("slow").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("fast")
                .willReturn(okJson(page(null, product("P-2", "Two"))).withFixedDelay(2000)));
        fno.server.stubFor(get(urlPathEqualTo("/data/ProductsV2")).withQueryParam("$skiptoken", equalTo("2"))
                .inScenario("slow").whenScenarioStateIs("fast")
                .willReturn(okJson(page(null, product("P-2", "Two")))));
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("Products", "test");
            assertThat(TestConnector.count(rt, "Products")).isEqualTo(2);
        }
        // the slow first answer was waited for; the slow second page timed out and was asked for again
        assertThat(fno.metadataRequests()).hasSize(1);
        assertThat(fno.dataRequests()).hasSize(3);
    }
}
