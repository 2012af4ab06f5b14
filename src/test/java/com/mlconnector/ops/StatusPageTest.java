package com.mlconnector.ops;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.support.TestConnector;
import com.mlconnector.sync.Batch;
import com.mlconnector.sync.BatchSink;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The status page renders the sandbox's state: served as HTML and JSON, and drawn by a real browser (Debian's
 * headless Chromium, which .ci/run installs) into target/status-page.png.
 */
class StatusPageTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void theGridAndTheChartShowWhatTheRunsDid() throws Exception {
        AtomicBoolean down = new AtomicBoolean();
        AtomicReference<BatchSink> real = new AtomicReference<>();
        BatchSink sink = batch -> {
            if (down.get() && batch.mapping().table().equals("Vendors")) {
                throw new java.sql.SQLException("connection refused", "08001");
            }
            real.get().write(batch);
        };
        Properties p = TestConnector.defaults();
        p.setProperty("powerbi.enabled", "true");
        p.setProperty("retry.max-attempts", "2");
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(Path.of("."), p).withSink(sink))) {
            real.set(rt.camelContext().getRegistry().lookupByNameAndType("landingWriter", BatchSink.class));
            for (String e : List.of("GLAccounts", "Vendors", "Customers", "GLEntries")) {
                rt.syncNow(e, "test");
            }
            down.set(true);
            rt.sandbox().update("VendorsV2", 1, Map.of("VendorOrganizationName", "changed while the database was down"));
            assertThatThrownBy(() -> rt.syncNow("Vendors", "test")).isNotNull();
            rt.pauses().pause("Products");
            // F&O refuses every attempt of a read: the run fails, for every destination at once
            rt.sandbox().fno().throttleNext(2);
            assertThatThrownBy(() -> rt.syncNow("Invoices", "test")).isNotNull();

            String base = "http://127.0.0.1:" + rt.httpPort();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            String html = page.body();
            assertThat(html).contains("<tr data-table=\"GLEntries\" data-destination=\"powerbi\">")
                    .contains("<tr data-table=\"InvoiceLines\" data-destination=\"landing\">");
            assertThat(row(html, "GLAccounts", "landing")).contains(">OK<").contains(">150<");
            assertThat(row(html, "GLEntries", "landing")).contains(">60,000<");
            assertThat(row(html, "Vendors", "landing")).contains(">FAILING<").contains("connection refused");
            assertThat(row(html, "Vendors", "powerbi")).as("Power BI took its batch").contains(">OK<");
            assertThat(row(html, "Products", "landing")).contains(">PAUSED<");
            assertThat(row(html, "InvoiceLines", "landing")).contains(">NEVER RUN<");
            assertThat(html.split("<rect class=\"bar", -1).length - 1).as("one bar per run").isEqualTo(6);
            // the failed run is drawn: a red bar marked failed, not an empty slot
            assertThat(html).containsPattern("<rect class=\"bar failed\" data-status=\"FAILED\" data-rows=\"0\" x=\"\\d+\" y=\"\\d+\" "
                    + "width=\"26\" height=\"30\"");
            // one line per failing table, with a short reason; the full text one click away
            assertThat(html).contains("table(s) failing").doesNotContain("all deliveries healthy");
            String failing = html.substring(html.indexOf("<ul id=\"failing\">"), html.indexOf("</ul>"));
            assertThat(failing.split("<li ", -1).length - 1).as("failing tables").isEqualTo(2);
            String invoices = failing.substring(failing.indexOf("<li data-table=\"Invoices\">"));
            invoices = invoices.substring(0, invoices.indexOf("</li>"));
            assertThat(invoices).contains("(landing, powerbi)").containsPattern("HTTP 429 from 127\\.0\\.0\\.1:\\d+: Too many requests");
            String shortText = invoices.substring(0, invoices.indexOf("<details>"));
            assertThat(shortText).as("no URL path or query in the short reason").doesNotContain("/data/").doesNotContain("$select");
            assertThat(invoices).contains("<details><summary>full text</summary><pre>").contains("/data/VendorInvoiceHeaders?");
            assertThat(failing).contains("<li data-table=\"Vendors\"><b>Vendors</b> (landing): ").contains("connection refused");
            assertThat(row(html, "Invoices", "powerbi")).contains(">FAILING<").contains("HTTP 429 from 127.0.0.1:");
            // the nodes on this state database: this one, idle now
            assertThat(html).contains("<table id=\"nodes\">").contains(rt.leases().owner() + " (this one)");

            HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create(base + "/status.json")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(json.body()).contains("\"table\":\"Vendors\",\"destination\":\"landing\",\"state\":\"FAILING\"")
                    .contains("\"nodes\":[{\"node\":\"" + rt.leases().owner() + "\",\"role\":\"command\"");

            // a real browser draws it: the DOM it built, and a screenshot to look at
            Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
                    "Chromium is not installed (.ci/run installs Debian's chromium): the browser check is skipped");
            Path shot = Path.of("target", "status-page.png").toAbsolutePath();
            Files.deleteIfExists(shot);
            String dom = chromium("--dump-dom", base + "/status");
            assertThat(dom).contains("data-table=\"Vendors\"").contains("<svg id=\"chart\"").contains("FAILING")
                    .contains("<ul id=\"failing\">").contains("bar failed");
            chromium("--screenshot=" + shot, base + "/status");
            assertThat(shot).exists();
            byte[] png = Files.readAllBytes(shot);
            assertThat(png.length).isGreaterThan(20_000); // a page with a table and a chart, not a blank
            assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
            System.out.println("Status page screenshot: " + shot + " (" + png.length + " bytes)");
        }
    }

    @Test
    void aFreshInstallSaysNothingHasRunYet() throws Exception {
        Properties p = TestConnector.defaults();
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            String base = "http://127.0.0.1:" + rt.httpPort();
            String html = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(html).contains("nothing has run yet").doesNotContain("healthy").doesNotContain("<ul id=\"failing\">");
            assertThat(row(html, "GLAccounts", "landing")).contains(">NEVER RUN<");
            Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
                    "Chromium is not installed (.ci/run installs Debian's chromium): the browser check is skipped");
            assertThat(chromium("--dump-dom", base + "/status")).contains("nothing has run yet").contains("NEVER RUN");
        }
    }

    private static String row(String html, String table, String destination) {
        int at = html.indexOf("<tr data-table=\"" + table + "\" data-destination=\"" + destination + "\">");
        assertThat(at).as(table + " × " + destination + " is in the grid").isNotNegative();
        return html.substring(at, html.indexOf("</tr>", at));
    }

    private static String chromium(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(CHROMIUM.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1400,1100", "--user-data-dir="
                        + Files.createTempDirectory("chromium-profile")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        return new String(out, StandardCharsets.UTF_8);
    }
}
