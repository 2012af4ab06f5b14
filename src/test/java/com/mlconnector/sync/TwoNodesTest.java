package com.mlconnector.sync;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.support.ExpectedRows;
import com.mlconnector.support.PostgresSchema;
import com.mlconnector.support.ServiceNode;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes (two JVMs) with the same configuration and one PostgreSQL state database share one schedule: each cron
 * firing runs on one node; when the node mid-run is killed (SIGKILL), the other takes the table once the lease
 * expires and finishes it, and the landing table equals the source. Runs with -Ppostgres.
 */
class TwoNodesTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) // a failure points at the nodes' logs
    Path temp;

    private PostgresSchema pg;

    private String url() {
        return pg.url();
    }

    private Process node(String name, List<String> settings) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-cp", System.getProperty("java.class.path"), ServiceNode.class.getName()));
        cmd.addAll(settings);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(temp.resolve(name + ".log").toFile()).start();
    }

    private String awaitReady(String name, Process p) throws Exception {
        Path log = temp.resolve(name + ".log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    if (line.startsWith("NODE-READY ")) {
                        return line.substring("NODE-READY ".length()).trim();
                    }
                }
            }
            assertThat(p.isAlive()).as(name + " is running; see " + log).isTrue();
            Thread.sleep(100);
        }
        throw new AssertionError(name + " did not start; see " + log);
    }

    private List<Map<String, Object>> runs(ConnectorRuntime rt) throws Exception {
        return TestConnector.query(rt, "SELECT run_id, status, node_id, started_at, finished_at FROM connector_run "
                + "WHERE target_table = 'Vendors' ORDER BY started_at");
    }

    private static Instant instant(Object v) {
        return v instanceof Timestamp ts ? ts.toInstant() : ((java.time.OffsetDateTime) v).toInstant();
    }

    @Test
    @Timeout(300)
    void twoNodesRunEachFiringOnceAndTheSurvivorFinishesTheTableOfTheOneKilled() throws Exception {
        pg = PostgresSchema.create();
        List<String> settings = new ArrayList<>(List.of("connector.sandbox=true", "sandbox.landing.jdbc-url=" + url(),
                "sandbox.fno.throttle-share=0", "sandbox.fno.rows.VendorsV2=12000",
                "sandbox.fno.page-size=1000", "sync.batch-size=1000", "sandbox.fno.page-delay-ms=400",
                "powerbi.enabled=false", "databricks.enabled=false", "tableau.enabled=false", "events.enabled=false",
                "camel.server.port=0", "camel.management.enabled=false", "sync.lease-seconds=6",
                "schedule.Vendors=0/20 * * * * ?",
                // -Dtwonodes.cluster=false shows the defect this guards against: each node fires every schedule
                "connector.cluster=" + System.getProperty("twonodes.cluster", "auto")));
        Properties local = TestConnector.defaults();
        local.setProperty("sandbox.landing.jdbc-url", url());
        local.setProperty("sandbox.fno.rows.VendorsV2", "12000");
        Process a = node("node-a", settings);
        Process b = node("node-b", settings);
        try (ConnectorRuntime rt = TestConnector.start(local)) {
            String nodeA = awaitReady("node-a", a);
            String nodeB = awaitReady("node-b", b);
            // three firings at least (every 20 s); a Vendors run reads 12 pages of 400 ms (a snapshot: whole, every run)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (runs(rt).stream().filter(r -> !"RUNNING".equals(r.get("STATUS"))).count() < 3) {
                assertThat(System.nanoTime()).as("three Vendors runs; logs in " + temp).isLessThan(deadline);
                Thread.sleep(500);
            }
            List<Map<String, Object>> done = runs(rt);
            for (int i = 1; i < done.size(); i++) {
                // one run per firing: runs of two nodes for the same firing would start within a second of each other
                assertThat(Duration.between(instant(done.get(i - 1).get("STARTED_AT")), instant(done.get(i).get("STARTED_AT"))))
                        .as("runs %s", done).isGreaterThan(Duration.ofSeconds(10));
            }
            assertThat(done).extracting(r -> r.get("NODE_ID")).allSatisfy(n -> assertThat(n).isIn(nodeA, nodeB));
            assertThat(done).filteredOn(r -> !"RUNNING".equals(r.get("STATUS"))).allSatisfy(r -> assertThat(r.get("STATUS")).isEqualTo("SUCCEEDED"));

            // the next firing's run is killed half-way with its node
            int before = done.size();
            Map<String, Object> running = null;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (running == null) {
                assertThat(System.nanoTime()).as("a run starts").isLessThan(deadline);
                running = runs(rt).stream().skip(before).filter(r -> "RUNNING".equals(r.get("STATUS"))).findFirst().orElse(null);
                Thread.sleep(100);
            }
            Thread.sleep(1500); // a few pages in
            Process victim = running.get("NODE_ID").equals(nodeA) ? a : b;
            String survivor = victim == a ? nodeB : nodeA;
            victim.destroyForcibly();
            victim.waitFor(30, TimeUnit.SECONDS);
            String killedRun = (String) running.get("RUN_ID");
            Instant killedStart = instant(running.get("STARTED_AT"));
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (runs(rt).stream().noneMatch(r -> survivor.equals(r.get("NODE_ID")) && "SUCCEEDED".equals(r.get("STATUS"))
                    && instant(r.get("STARTED_AT")).isAfter(killedStart))) {
                assertThat(System.nanoTime()).as("the survivor finishes the table; logs in " + temp).isLessThan(deadline);
                Thread.sleep(500);
            }
            assertThat(runs(rt)).filteredOn(r -> killedRun.equals(r.get("RUN_ID"))).singleElement()
                    .satisfies(r -> assertThat(r.get("STATUS")).isEqualTo("ABANDONED"));
            ExpectedRows.assertLandingEqualsSource(rt, "Vendors");
        } finally {
            a.destroyForcibly();
            b.destroyForcibly();
            pg.close();
        }
    }

    /** The Vendors lease: run and owner, or null when nobody holds it. */
    private Map<String, Object> lease(ConnectorRuntime rt) throws Exception {
        List<Map<String, Object>> rows = TestConnector.query(rt, "SELECT run_id, owner FROM table_lease WHERE target_table = 'Vendors'");
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** A Quartz cron that fires once, at the given second (the nodes' time zone, the year field pinning it). */
    private static String onceAt(java.time.ZonedDateTime t) {
        return t.getSecond() + " " + t.getMinute() + " " + t.getHour() + " " + t.getDayOfMonth() + " " + t.getMonthValue() + " ? " + t.getYear();
    }

    /**
     * A node killed mid-run: a live node takes the table over within the lease and a few seconds (Quartz recovers the
     * job the dead node was running), not at the next firing, which here is never: the schedule fires once.
     */
    @Test
    @Timeout(300)
    void theTableOfANodeKilledMidRunIsTakenOverWithinTheLeaseWhateverTheSchedule() throws Exception {
        pg = PostgresSchema.create();
        int leaseSeconds = 6;
        java.time.ZonedDateTime firing = java.time.ZonedDateTime.now().plusSeconds(40).withNano(0);
        List<String> settings = new ArrayList<>(List.of("connector.sandbox=true", "sandbox.landing.jdbc-url=" + url(),
                "sandbox.fno.throttle-share=0", "sandbox.fno.rows.VendorsV2=12000",
                "sandbox.fno.page-size=1000", "sync.batch-size=1000", "sandbox.fno.page-delay-ms=600",
                "powerbi.enabled=false", "databricks.enabled=false", "tableau.enabled=false", "events.enabled=false",
                "camel.server.port=0", "camel.management.enabled=false", "sync.lease-seconds=" + leaseSeconds,
                "schedule.Vendors=" + onceAt(firing)));
        Properties local = TestConnector.defaults();
        local.setProperty("sandbox.landing.jdbc-url", url());
        local.setProperty("sandbox.fno.rows.VendorsV2", "12000");
        Process a = node("node-a", settings);
        Process b = node("node-b", settings);
        try (ConnectorRuntime rt = TestConnector.start(local)) {
            String nodeA = awaitReady("node-a", a);
            String nodeB = awaitReady("node-b", b);
            assertThat(java.time.ZonedDateTime.now()).as("both nodes started before the firing").isBefore(firing.minusSeconds(2));
            Map<String, Object> running = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (running == null) {
                assertThat(System.nanoTime()).as("the firing starts a run; logs in " + temp).isLessThan(deadline);
                running = runs(rt).stream().filter(r -> "RUNNING".equals(r.get("STATUS"))).findFirst().orElse(null);
                Thread.sleep(100);
            }
            Thread.sleep(1500); // a few pages in
            Process victim = running.get("NODE_ID").equals(nodeA) ? a : b;
            String survivor = victim == a ? nodeB : nodeA;
            String killedRun = (String) running.get("RUN_ID");
            victim.destroyForcibly();
            Instant killed = Instant.now();
            victim.waitFor(30, TimeUnit.SECONDS);

            Instant takenOver = null;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (takenOver == null) {
                assertThat(System.nanoTime()).as("a live node takes the table over; logs in " + temp).isLessThan(deadline);
                Map<String, Object> l = lease(rt);
                if (l != null && survivor.equals(l.get("OWNER")) && !killedRun.equals(l.get("RUN_ID"))) {
                    takenOver = Instant.now();
                }
                Thread.sleep(200);
            }
            Duration after = Duration.between(killed, takenOver);
            System.out.println("TwoNodesTest: the table was taken over " + after.toMillis() + " ms after the kill (lease " + leaseSeconds + " s)");
            assertThat(after).as("taken over within the lease + 15 s").isLessThanOrEqualTo(Duration.ofSeconds(leaseSeconds + 15));

            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (runs(rt).stream().noneMatch(r -> survivor.equals(r.get("NODE_ID")) && "SUCCEEDED".equals(r.get("STATUS")))) {
                assertThat(System.nanoTime()).as("the survivor finishes the table; logs in " + temp).isLessThan(deadline);
                Thread.sleep(300);
            }
            assertThat(runs(rt)).filteredOn(r -> killedRun.equals(r.get("RUN_ID"))).singleElement().satisfies(r -> {
                assertThat(r.get("STATUS")).isEqualTo("ABANDONED");
            });
            assertThat(TestConnector.query(rt, "SELECT error_message FROM connector_run WHERE run_id = '" + killedRun + "'").get(0)
                    .get("ERROR_MESSAGE").toString()).contains("taken over by run").contains(survivor);
            ExpectedRows.assertLandingEqualsSource(rt, "Vendors");
        } finally {
            a.destroyForcibly();
            b.destroyForcibly();
            pg.close();
        }
    }

    /**
     * A long first load on a short schedule: the firings it outlasted run once right after it (schedule.misfire
     * run-once, the default), never as a burst of runs reading the same rows again. One node, clustered store.
     */
    @Test
    @Timeout(300)
    void firingsALongRunOutlastedRunOnceAfterItNotAsABurst() throws Exception {
        pg = PostgresSchema.create();
        List<String> settings = new ArrayList<>(List.of("connector.sandbox=true", "sandbox.landing.jdbc-url=" + url(),
                "sandbox.fno.throttle-share=0", "sandbox.fno.rows.GeneralJournalAccountEntryBiEntities=24000",
                "sandbox.fno.page-size=1000", "sync.batch-size=1000", "sandbox.fno.page-delay-ms=600",
                "powerbi.enabled=false", "databricks.enabled=false", "tableau.enabled=false", "events.enabled=false",
                "camel.server.port=0", "camel.management.enabled=false", "schedule.GLEntries=0/4 * * * * ?"));
        Process a = node("node-a", settings);
        Properties local = TestConnector.defaults();
        local.setProperty("sandbox.landing.jdbc-url", url());
        try (ConnectorRuntime rt = TestConnector.start(local)) {
            awaitReady("node-a", a);
            // the first run reads 24 pages of 600 ms (about 15 s, past 3 firings); later runs read the overlap, one page
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            List<Map<String, Object>> gl;
            while (true) {
                gl = TestConnector.query(rt, "SELECT run_id, status, started_at, finished_at FROM connector_run "
                        + "WHERE target_table = 'GLEntries' ORDER BY started_at");
                if (!gl.isEmpty() && gl.get(0).get("FINISHED_AT") != null
                        && Duration.between(instant(gl.get(0).get("FINISHED_AT")), Instant.now()).toSeconds() >= 12) {
                    break;
                }
                assertThat(System.nanoTime()).as("the first GL run ends; log in " + temp).isLessThan(deadline);
                Thread.sleep(500);
            }
            Instant longRunEnd = instant(gl.get(0).get("FINISHED_AT"));
            assertThat(Duration.between(instant(gl.get(0).get("STARTED_AT")), longRunEnd)).as("the first run outlasted firings")
                    .isGreaterThan(Duration.ofSeconds(9));
            List<Instant> starts = gl.stream().skip(1).map(r -> instant(r.get("STARTED_AT"))).toList();
            Instant windowEnd = longRunEnd.plusSeconds(12);
            long runsInWindow = starts.stream().filter(t -> !t.isAfter(windowEnd)).count();
            // the firings of the window (every 4 s: seconds divisible by 4, the zone's offset being whole minutes): each
            // may start one run; the firings the long run outlasted, all of them together, one more
            long firings = java.util.stream.LongStream.rangeClosed(longRunEnd.getEpochSecond() + 1, windowEnd.getEpochSecond())
                    .filter(sec -> sec % 4 == 0).count();
            System.out.println("TwoNodesTest: runs started in the 12 s after the long run (" + firings + " firings): " + starts.stream()
                    .filter(t -> !t.isAfter(windowEnd)).map(t -> Duration.between(longRunEnd, t).toMillis() + " ms").toList());
            assertThat(runsInWindow).as("runs started in the 12 s after the long run: one for the firings it outlasted, one per "
                    + "firing since (%d): %s", firings, starts).isLessThanOrEqualTo(firings + 1);
            assertThat(starts).as("the schedule went on after it").hasSizeGreaterThanOrEqualTo(2);
        } finally {
            a.destroyForcibly();
            pg.close();
        }
    }
}
