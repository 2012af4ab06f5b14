package com.mlconnector.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.support.TestConnector;
import com.mlconnector.sync.Batch;
import com.mlconnector.sync.BatchSink;
import org.junit.jupiter.api.Test;

import javax.management.JMX;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What an operator sees and steers: the MBeans (as Hawtio reaches them, over Jolokia too), health, metrics. */
class OperationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    /** The landing writer, failing while {@code down} is set (a database outage). */
    private static final class Switchable implements BatchSink {
        final AtomicReference<BatchSink> real = new AtomicReference<>();
        final AtomicBoolean down = new AtomicBoolean();

        @Override
        public void write(Batch batch) throws Exception {
            if (down.get()) {
                throw new java.sql.SQLException("connection refused", "08001");
            }
            real.get().write(batch);
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Properties withManagement(int port) {
        Properties p = TestConnector.defaults();
        p.setProperty("camel.management.enabled", "true");
        p.setProperty("camel.management.port", String.valueOf(port));
        try {
            // a fixed port for the main server as in production (port 0 hides how platform-http finds its router)
            p.setProperty("camel.server.port", String.valueOf(freePort()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        p.setProperty("retry.max-attempts", "2");
        return p;
    }

    private static String runIdOf(String answer) {
        assertThat(answer).startsWith("started run ");
        return answer.substring("started run ".length(), answer.indexOf(' ', "started run ".length()));
    }

    /** Waits (up to 30 s) until the run has ended in the run ledger. */
    private static void awaitRunEnd(ConnectorRuntime rt, String runId) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            List<Map<String, Object>> r = TestConnector.query(rt, "SELECT status FROM connector_run WHERE run_id = '" + runId + "'");
            if (!r.isEmpty() && !"RUNNING".equals(r.get(0).get("STATUS"))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("run " + runId + " did not end within 30 s");
    }

    /** Waits (up to 30 s) until no run of the table is RUNNING (one the schedule started before a pause ends). */
    private static void awaitNoRunning(ConnectorRuntime rt, String table) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (TestConnector.runs(rt, table).stream().anyMatch(r -> "RUNNING".equals(r.get("STATUS")))) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(table + " still running after 30 s");
            }
            Thread.sleep(50);
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theEntityMBeansShowStateAndTheirOperationsDoWhatTheySay() throws Exception {
        int port = freePort();
        Switchable sink = new Switchable();
        Properties p = withManagement(port);
        p.setProperty("schedule.Products", "0/1 * * * * ?"); // every second
        p.setProperty("schedule.GLAccounts", "0 0 0 1 1 ? 2099"); // not within the test: its runs are the operator's
        try (ConnectorRuntime rt = ConnectorRuntime.start(new RuntimeOptions(Path.of("."), p, true, sink, null))) {
            sink.real.set(rt.camelContext().getRegistry().lookupByNameAndType("landingWriter", BatchSink.class));
            EntityControlMXBean products = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                    Operations.entityName("Products"), EntityControlMXBean.class);
            EntityControlMXBean gl = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                    Operations.entityName("GLAccounts"), EntityControlMXBean.class);
            // paused: the schedule starts nothing, and neither does syncNow
            products.pause();
            assertThat(products.isPaused()).isTrue();
            // a firing that passed the schedule's pause filter just before the pause writes its run row a moment later
            // (a clean-clone CI run counted it as started while paused): let one period pass, then wait for it to end
            Thread.sleep(1200);
            awaitNoRunning(rt, "Products");
            long runsBefore = TestConnector.runs(rt, "Products").size();
            Thread.sleep(2500);
            assertThat(TestConnector.runs(rt, "Products")).as("paused: the schedule starts nothing").hasSize((int) runsBefore);
            assertThat(products.syncNow()).isEqualTo("refused: Products is paused; resume it first");
            Thread.sleep(300);
            assertThat(TestConnector.runs(rt, "Products")).as("paused: syncNow starts nothing").hasSize((int) runsBefore);

            // syncNow returns at once with the run id; the run goes on after the JMX call returned
            assertThat(gl.getLastRun()).isEqualTo("never run");
            rt.sandbox().fno().setPageDelayMillis(1500);
            String runId = runIdOf(gl.syncNow());
            // the JMX call is back while its run (a 1.5-s page) is still going: not in the ledger yet, or RUNNING
            assertThat(TestConnector.query(rt, "SELECT status FROM connector_run WHERE run_id = '" + runId + "'"))
                    .as("syncNow returned before the run ended").allSatisfy(r -> assertThat(r).containsEntry("STATUS", "RUNNING"));
            awaitRunEnd(rt, runId);
            rt.sandbox().fno().setPageDelayMillis(0);
            assertThat(gl.getLastRun()).startsWith("run " + runId + " SUCCEEDED").contains("150 rows read");
            assertThat(gl.getRowsDelivered()).containsEntry("landing", 150L);
            assertThat(gl.getLastSuccess().get("landing")).isNotEqualTo("never");
            assertThat(gl.getFailuresSinceSuccess()).containsEntry("landing", 0);

            // an outage dead-letters the batch; the MBean shows it and replays it once the database is back
            sink.down.set(true);
            rt.sandbox().update("MainAccounts", 3, Map.of("Name", "Changed during the outage"));
            String failing = runIdOf(gl.syncNow());
            awaitRunEnd(rt, failing);
            assertThat(gl.getLastRun()).startsWith("run " + failing + " PARTIAL").contains("dead-lettered");
            assertThat(gl.getDeadLetters()).containsEntry("landing", 1);
            sink.down.set(false);
            assertThat(gl.replayDeadLetters()).isEqualTo("1 replayed, 0 failed");
            assertThat(gl.getDeadLetters()).containsEntry("landing", 0);
            assertThat(TestConnector.query(rt, "SELECT \"AccountName\" FROM \"GLAccounts\" WHERE \"MainAccountId\" = '"
                    + rt.sandbox().value("MainAccounts", 3, "MainAccountId") + "'")).extracting(r -> r.get("AccountName"))
                    .containsExactly("Changed during the outage");

            // the operations and attributes are described for Hawtio
            javax.management.MBeanInfo info = ManagementFactory.getPlatformMBeanServer().getMBeanInfo(Operations.entityName("GLAccounts"));
            assertThat(info.getOperations()).extracting(javax.management.MBeanOperationInfo::getDescription)
                    .allSatisfy(d -> assertThat(d).contains(" "));
            assertThat(java.util.Arrays.stream(info.getOperations()).filter(o -> o.getName().equals("syncNow")).findFirst().orElseThrow()
                    .getDescription()).contains("returns at once with the run id").contains("Refused while paused");

            // Hawtio's way in: Jolokia on the management server reads the same MBean and runs its operations
            JsonNode read = JSON.readTree(get("http://127.0.0.1:" + port
                    + "/observe/jolokia/read/com.mlconnector:type=Entity,name=Products/Paused").body());
            assertThat(read.path("value").asBoolean()).isTrue();
            JsonNode resumed = JSON.readTree(get("http://127.0.0.1:" + port
                    + "/observe/jolokia/exec/com.mlconnector:type=Entity,name=Products/resume()").body());
            assertThat(resumed.path("status").asInt()).isEqualTo(200);
            assertThat(products.isPaused()).isFalse();
            long afterResume = TestConnector.runs(rt, "Products").size();
            long deadline = System.currentTimeMillis() + 10_000;
            while (TestConnector.runs(rt, "Products").size() == afterResume && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertThat(TestConnector.runs(rt, "Products").size()).as("resumed: the schedule runs again").isGreaterThan((int) afterResume);
            // Camel's own MBeans are there too
            assertThat(ManagementFactory.getPlatformMBeanServer().queryNames(new javax.management.ObjectName("org.apache.camel:type=routes,*"), null))
                    .isNotEmpty();
        }
    }

    @Test
    void aPauseOutlivesARestartUntilResumed() throws Exception {
        Properties p = withManagement(freePort()); // the same (in-memory, kept open) state database for both starts
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), Operations.entityName("Vendors"),
                    EntityControlMXBean.class).pause();
        }
        p.setProperty("camel.management.port", String.valueOf(freePort()));
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            EntityControlMXBean vendors = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                    Operations.entityName("Vendors"), EntityControlMXBean.class);
            assertThat(vendors.isPaused()).isTrue();
            assertThat(rt.pauses().isPaused("Vendors")).isTrue();
            vendors.resume();
        }
        p.setProperty("camel.management.port", String.valueOf(freePort()));
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            assertThat(rt.pauses().isPaused("Vendors")).isFalse();
        }
    }

    @Test
    void healthTurnsDownWhenADestinationKeepsFailingAndUpAgainAfterASuccess() throws Exception {
        int port = freePort();
        Switchable sink = new Switchable();
        Properties p = withManagement(port);
        p.setProperty("camel.health.exposureLevel", "full");
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(Path.of("."), p).withSink(sink))) {
            sink.real.set(rt.camelContext().getRegistry().lookupByNameAndType("landingWriter", BatchSink.class));
            String health = "http://127.0.0.1:" + port + "/observe/health";
            rt.syncNow("GLAccounts", "test");
            HttpResponse<String> up = get(health);
            assertThat(up.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(up.body()).path("status").asText()).isEqualTo("UP");
            assertThat(up.body()).contains("state-database").contains("destination-landing");

            sink.down.set(true);
            for (int i = 0; i < 3; i++) {
                rt.sandbox().update("MainAccounts", i, Map.of("Name", "outage " + i));
                assertThatThrownBy(() -> rt.syncNow("GLAccounts", "test")).isNotNull();
            }
            HttpResponse<String> down = get(health);
            assertThat(down.statusCode()).isEqualTo(503);
            JsonNode checks = JSON.readTree(down.body()).path("checks");
            JsonNode landing = null;
            for (JsonNode c : checks) {
                if (c.path("name").asText().equals("destination-landing")) {
                    landing = c;
                }
            }
            assertThat(landing).isNotNull();
            assertThat(landing.path("status").asText()).isEqualTo("DOWN");
            assertThat(landing.path("message").asText()).contains("failed its last 3 deliveries").contains("connection refused");
            // it reports, and does not take the process out: an orchestrator's probes stay UP
            assertThat(get(health + "/ready").statusCode()).as("readiness with a destination down").isEqualTo(200);
            assertThat(get(health + "/live").statusCode()).as("liveness with a destination down").isEqualTo(200);
            assertThat(get(health + "/ready").body()).doesNotContain("destination-landing");

            sink.down.set(false);
            rt.sandbox().update("MainAccounts", 9, Map.of("Name", "back"));
            rt.syncNow("GLAccounts", "test");
            assertThat(JSON.readTree(get(health).body()).path("status").asText()).isEqualTo("UP");

            // F&O failing: three runs throttled past their retries turn the F&O check DOWN, the probes stay UP
            assertThat(get(health).body()).contains("\"fno\"");
            for (int i = 0; i < 3; i++) {
                rt.sandbox().fno().throttleNext(2); // retry.max-attempts=2: both attempts of the first page refused
                assertThatThrownBy(() -> rt.syncNow("Vendors", "test")).isNotNull();
            }
            HttpResponse<String> fnoDown = get(health);
            assertThat(fnoDown.statusCode()).isEqualTo(503);
            JsonNode fno = null;
            for (JsonNode c : JSON.readTree(fnoDown.body()).path("checks")) {
                if (c.path("name").asText().equals("fno")) {
                    fno = c;
                }
            }
            assertThat(fno).isNotNull();
            assertThat(fno.path("status").asText()).isEqualTo("DOWN");
            assertThat(fno.path("message").asText()).contains("F&O failed the last 3 runs").contains("HTTP 429 from 127.0.0.1:")
                    .doesNotContain("/data/");
            assertThat(get(health + "/ready").statusCode()).isEqualTo(200);
            assertThat(get(health + "/live").statusCode()).isEqualTo(200);
            rt.syncNow("Vendors", "test");
            assertThat(JSON.readTree(get(health).body()).path("status").asText()).as("one run through F&O: UP again").isEqualTo("UP");
        }
    }

    @Test
    void readinessFollowsTheStateDatabaseAndLivenessTheProcess() throws Exception {
        int port = freePort();
        Properties p = withManagement(port);
        p.setProperty("camel.health.exposureLevel", "full");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            String health = "http://127.0.0.1:" + port + "/observe/health";
            assertThat(get(health + "/ready").statusCode()).isEqualTo(200);
            assertThat(get(health + "/ready").body()).contains("state-database");
            assertThat(get(health + "/live").body()).doesNotContain("state-database");
            // the state database stops answering: not ready (no event or webhook can be stored), still alive
            ((com.zaxxer.hikari.HikariDataSource) rt.landing().dataSource()).close();
            assertThat(get(health + "/ready").statusCode()).isEqualTo(503);
            assertThat(get(health + "/live").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theContainerRecipeKeepsProbesAndMetricsOpenAndJolokiaBehindAPassword(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        int port = freePort();
        Path users = dir.resolve("management-users.properties");
        java.nio.file.Files.writeString(users, "user.ops=s3cret-Pass,admin\nrole.admin=*\n");
        Properties p = withManagement(port);
        // as the README's container recipe sets it
        p.setProperty("camel.management.authenticationEnabled", "true");
        p.setProperty("camel.management.authenticationPath", "/observe/jolokia/*");
        p.setProperty("camel.management.basicPropertiesFile", users.toString());
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            String base = "http://127.0.0.1:" + port + "/observe";
            assertThat(get(base + "/health/live").statusCode()).isEqualTo(200);
            assertThat(get(base + "/health/ready").statusCode()).isEqualTo(200);
            assertThat(get(base + "/metrics").statusCode()).isEqualTo(200);
            assertThat(get(base + "/metrics").body()).contains("mlconnector_rows_read_total");
            assertThat(get(base + "/jolokia/read/java.lang:type=Memory/HeapMemoryUsage").statusCode()).isEqualTo(401);
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(base + "/jolokia/read/java.lang:type=Memory/HeapMemoryUsage"))
                    .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("ops:s3cret-Pass".getBytes()))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theManagementServerCanRequireAPassword(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        int port = freePort();
        Path users = dir.resolve("management-users.properties");
        java.nio.file.Files.writeString(users, "user.ops=s3cret-Pass,admin\nrole.admin=*\n");
        Properties p = withManagement(port);
        p.setProperty("camel.management.authenticationEnabled", "true");
        p.setProperty("camel.management.authenticationPath", "/observe/*");
        p.setProperty("camel.management.basicPropertiesFile", users.toString());
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            String url = "http://127.0.0.1:" + port + "/observe/jolokia/read/com.mlconnector:type=Entity,name=GLAccounts/Paused";
            assertThat(get(url).statusCode()).isEqualTo(401);
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Basic "
                    + java.util.Base64.getEncoder().encodeToString("ops:s3cret-Pass".getBytes())).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(ok.body()).path("value").asBoolean()).isFalse();
        }
    }

    @Test
    void prometheusMetricsCountRowsHttpAnswersTokensRetriesAndDeadLetters() throws Exception {
        int port = freePort();
        Properties p = withManagement(port);
        p.setProperty("sandbox.fno.throttle-share", "0.5"); // some 429s to count
        p.setProperty("sandbox.fno.retry-after-seconds", "0");
        p.setProperty("sandbox.fno.page-size", "10");
        p.setProperty("retry.max-attempts", "20");
        try (ConnectorRuntime rt = TestConnector.start(p); com.mlconnector.support.LogCapture log = com.mlconnector.support.LogCapture.start()) {
            // before anything ran, every table's and destination's series exist at zero (an increase() alert sees the first)
            String atStart = get("http://127.0.0.1:" + port + "/observe/metrics").body();
            assertThat(atStart).contains("mlconnector_rows_read_total{table=\"Vendors\"} 0.0")
                    .contains("mlconnector_rows_delivered_total{destination=\"landing\",table=\"GLEntries\"} 0.0")
                    .contains("mlconnector_dead_letters_total{destination=\"landing\",table=\"Invoices\"} 0.0")
                    .contains("mlconnector_reconcile_corrections_total{change=\"deleted\",destination=\"landing\",table=\"PostedInvoices\"} 0.0");
            rt.syncNow("GLAccounts", "test");
            // the one structured line per batch and destination
            assertThat(log.text()).containsPattern("batch confirmed run=[0-9a-f-]{36} entity=MainAccounts table=GLAccounts "
                    + "destination=landing batch=\\S+ kind=UPSERT rows=150 duration_ms=\\d+ attempts=1");
            String metrics = get("http://127.0.0.1:" + port + "/observe/metrics").body();
            assertThat(metrics).contains("mlconnector_rows_read_total{table=\"GLAccounts\"} 150.0")
                    .contains("mlconnector_rows_delivered_total{destination=\"landing\",table=\"GLAccounts\"} 150.0")
                    .contains("mlconnector_http_responses_total{status=\"200\",system=\"F&O\"}")
                    .contains("mlconnector_http_responses_total{status=\"429\",system=\"F&O\"}")
                    .contains("mlconnector_token_renewals_total{system=\"Entra ID\"}")
                    .contains("mlconnector_retries_total{reason=\"HTTP 429\"}")
                    .contains("mlconnector_batch_seconds_count{destination=\"landing\"}")
                    .contains("jvm_memory_used_bytes");
            List<String> lines = metrics.lines().filter(l -> l.startsWith("mlconnector_http_responses_total{status=\"429\"")).toList();
            assertThat(lines).singleElement().satisfies(l -> assertThat(Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).isPositive());
        }
    }

    /** The value of one series on /observe/metrics (NaN when absent). */
    private double series(int port, String name, String labels) throws Exception {
        String line = get("http://127.0.0.1:" + port + "/observe/metrics").body().lines()
                .filter(l -> l.startsWith(name + "{" + labels + "}")).findFirst().orElse(null);
        return line == null ? Double.NaN : Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    @Test
    void gaugesShowLagLastSuccessFailuresDeadLettersPauseAndTheLastOutcome() throws Exception {
        int port = freePort();
        Switchable sink = new Switchable();
        Properties p = withManagement(port);
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(Path.of("."), p).withSink(sink))) {
            sink.real.set(rt.camelContext().getRegistry().lookupByNameAndType("landingWriter", BatchSink.class));
            String gl = "destination=\"landing\",table=\"GLAccounts\"";
            // from start-up, before anything ran: never succeeded, nothing failed, nothing waiting
            assertThat(series(port, "mlconnector_last_success_timestamp_seconds", gl)).isEqualTo(0.0);
            assertThat(series(port, "mlconnector_lag_seconds", gl)).as("never succeeded: lag since start-up").isGreaterThanOrEqualTo(0.0);
            assertThat(series(port, "mlconnector_last_delivery_ok", gl)).isEqualTo(-1.0);
            assertThat(series(port, "mlconnector_failures_since_success", gl)).isEqualTo(0.0);
            assertThat(series(port, "mlconnector_dead_letters_waiting", gl)).isEqualTo(0.0);
            assertThat(series(port, "mlconnector_paused", "table=\"GLAccounts\"")).isEqualTo(0.0);

            long before = java.time.Instant.now().getEpochSecond();
            rt.syncNow("GLAccounts", "test");
            com.mlconnector.support.Await.until(() -> series(port, "mlconnector_last_success_timestamp_seconds", gl) >= before, 15_000,
                    "the last success shows");
            assertThat(series(port, "mlconnector_lag_seconds", gl)).isLessThan(15.0);
            assertThat(series(port, "mlconnector_last_delivery_ok", gl)).isEqualTo(1.0);

            // an outage: the batch is dead-lettered, the run fails; the gauges say so
            sink.down.set(true);
            rt.sandbox().update("MainAccounts", 2, Map.of("Name", "during the outage"));
            assertThatThrownBy(() -> rt.syncNow("GLAccounts", "test")).isNotNull();
            rt.pauses().pause("GLAccounts");
            com.mlconnector.support.Await.until(() -> series(port, "mlconnector_dead_letters_waiting", gl) == 1.0, 15_000,
                    "the dead letter shows");
            assertThat(series(port, "mlconnector_failures_since_success", gl)).isEqualTo(1.0);
            assertThat(series(port, "mlconnector_last_delivery_ok", gl)).isEqualTo(0.0);
            assertThat(series(port, "mlconnector_paused", "table=\"GLAccounts\"")).isEqualTo(1.0);
        }
    }

    @Test
    void jolokiaReadsWhatHawtioNeedsAndRefusesWhatCouldLeakOrHarm() throws Exception {
        int port = freePort();
        System.setProperty("mlconnector.test.secret", "do-not-show-me");
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(Path.of("."), withManagement(port)))) {
            String jolokia = "http://127.0.0.1:" + port + "/observe/jolokia";
            // allowed: the connector's MBeans and operations, Camel's, the JVM's memory
            assertThat(JSON.readTree(get(jolokia + "/read/com.mlconnector:type=Entity,name=GLAccounts/Paused").body())
                    .path("status").asInt()).isEqualTo(200);
            assertThat(JSON.readTree(get(jolokia + "/read/java.lang:type=Memory/HeapMemoryUsage").body()).path("status").asInt())
                    .isEqualTo(200);
            assertThat(JSON.readTree(get(jolokia + "/search/org.apache.camel:type=routes,*").body()).path("value").size())
                    .isPositive();
            // refused: system properties (a -D secret among them), heap dumps, diagnostic commands, flight recordings
            String props = get(jolokia + "/read/java.lang:type=Runtime/SystemProperties").body();
            assertThat(props).doesNotContain("do-not-show-me");
            assertThat(JSON.readTree(props).path("status").asInt()).isEqualTo(403);
            for (String refused : List.of("/exec/com.sun.management:type=HotSpotDiagnostic/dumpHeap/%2Ftmp%2Fheap.hprof/true",
                    "/exec/com.sun.management:type=DiagnosticCommand/vmSystemProperties",
                    "/read/jdk.management.jfr:type=FlightRecorder/Recordings",
                    // Camel's message tracer: messages carry bearer tokens (the HTTP routes) and ledger rows
                    "/read/org.apache.camel:context=ml-connector,type=tracer,name=BacklogTracer/Enabled",
                    "/exec/org.apache.camel:context=ml-connector,type=tracer,name=BacklogTracer/dumpAllTracedMessagesAsXml()")) {
                assertThat(JSON.readTree(get(jolokia + refused).body()).path("status").asInt()).as(refused).isEqualTo(403);
            }
            assertThat(Path.of("/tmp/heap.hprof")).doesNotExist();
        } finally {
            System.clearProperty("mlconnector.test.secret");
        }
    }
}
