package com.mlconnector.sync;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.support.PostgresSchema;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Runs are owned in the state database: a process beside the one mid-run (a command, a one-off sync, another node)
 * neither abandons its run nor reads its table at the same time. On H2 (processes in one JVM share an in-memory
 * database) and, with -Ppostgres, on PostgreSQL.
 */
class RunOwnershipTest {
    @TempDir
    Path temp;

    /** A state database both runtimes of a test share, and a way to drop it. */
    private record Target(String url, AutoCloseable cleanup) {
    }

    private static Target target(String kind) throws Exception {
        if (kind.equals("h2")) {
            return new Target("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", () -> { });
        }
        PostgresSchema pg = PostgresSchema.create();
        return new Target(pg.url(), pg);
    }

    private static Properties settings(String url) {
        Properties p = TestConnector.defaults();
        p.setProperty("sandbox.landing.jdbc-url", url);
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "20000");
        p.setProperty("sandbox.fno.page-size", "1000");
        p.setProperty("sync.batch-size", "1000");
        return p;
    }

    private static List<Map<String, Object>> runs(ConnectorRuntime rt) throws Exception {
        return TestConnector.query(rt, "SELECT run_id, status, started_at, finished_at, node_id FROM connector_run "
                + "WHERE target_table = 'GLEntries' ORDER BY started_at");
    }

    private static void awaitRunning(ConnectorRuntime rt) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (runs(rt).stream().noneMatch(r -> "RUNNING".equals(r.get("STATUS")))) {
            assertThat(System.nanoTime()).as("a run started").isLessThan(deadline);
            Thread.sleep(50);
        }
        Thread.sleep(500); // a few pages in
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    @Timeout(180)
    void aCommandBesideARunningServiceLeavesItsRunToEndSucceeded(String kind) throws Exception {
        Target t = target(kind);
        try (AutoCloseable cleanup = t.cleanup();
             ConnectorRuntime service = TestConnector.start(settings(t.url()))) {
            service.sandbox().fno().setPageDelayMillis(150); // 20 pages: 3 s and more
            CompletableFuture<Void> run = CompletableFuture.runAsync(() -> service.syncNow("GLEntries", "schedule"));
            awaitRunning(service);
            // an operator runs a command against the same state database (status, check, replay and sync --once all
            // start a runtime of their own)
            try (ConnectorRuntime command = TestConnector.start(settings(t.url()))) {
                assertThat(runs(command)).singleElement().satisfies(r -> assertThat(r.get("STATUS")).isEqualTo("RUNNING"));
            }
            run.get(120, TimeUnit.SECONDS);
            assertThat(runs(service)).singleElement().satisfies(r -> {
                assertThat(r.get("STATUS")).isEqualTo("SUCCEEDED");
                assertThat((String) r.get("NODE_ID")).isEqualTo(service.leases().owner());
            });
            assertThat(TestConnector.count(service, "GLEntries")).isEqualTo(20_000);
        }
    }

    /** Runs a command of the command line in a folder of its own whose state database is the test's. */
    private int cli(Path dir, String url, java.io.StringWriter out, String... args) throws Exception {
        for (String folder : List.of("mappings", "events")) {
            java.nio.file.Files.createDirectories(dir.resolve(folder));
            try (var files = java.nio.file.Files.list(Path.of(folder))) {
                for (Path f : files.toList()) {
                    java.nio.file.Files.copy(f, dir.resolve(folder).resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        java.nio.file.Files.writeString(dir.resolve("application.properties"), "connector.sandbox=true\nsandbox.landing.jdbc-url=" + url + "\n");
        picocli.CommandLine cmd = new picocli.CommandLine(new com.mlconnector.cli.ConnectorCommand())
                .setExecutionExceptionHandler(new com.mlconnector.cli.FailureHandler());
        cmd.setOut(new java.io.PrintWriter(out, true));
        cmd.setErr(new java.io.PrintWriter(out, true));
        String[] all = java.util.stream.Stream.concat(java.util.stream.Stream.of(args), java.util.stream.Stream.of("--dir", dir.toString()))
                .toArray(String[]::new);
        return cmd.execute(all);
    }

    private static long count(ConnectorRuntime rt, String table) throws Exception {
        return ((Number) TestConnector.query(rt, "SELECT COUNT(*) AS N FROM " + table).get(0).get("N")).longValue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    @Timeout(180)
    void statusAndReplayListBesideARunningServiceOnlyRead(String kind) throws Exception {
        Target t = target(kind);
        try (AutoCloseable cleanup = t.cleanup();
             ConnectorRuntime service = TestConnector.start(settings(t.url()))) {
            service.sandbox().fno().setPageDelayMillis(150);
            CompletableFuture<Void> run = CompletableFuture.runAsync(() -> service.syncNow("GLEntries", "schedule"));
            awaitRunning(service);
            long migrations = count(service, "\"flyway_schema_history\"");
            java.io.StringWriter out = new java.io.StringWriter();
            assertThat(cli(temp.resolve("ops"), t.url(), out, "status")).as(out.toString()).isIn(0, 1);
            assertThat(out.toString()).contains("Nodes alive").contains(service.leases().owner())
                    .contains("running GLEntries (run ");
            java.io.StringWriter list = new java.io.StringWriter();
            assertThat(cli(temp.resolve("ops"), t.url(), list, "replay", "--list")).as(list.toString()).isZero();
            assertThat(list.toString()).contains("0 dead letter(s) waiting");
            // nothing written: no node of its own, no migration, and the service's run still going
            assertThat(count(service, "connector_node")).isEqualTo(1);
            assertThat(count(service, "\"flyway_schema_history\"")).isEqualTo(migrations);
            assertThat(runs(service)).singleElement().satisfies(r -> assertThat(r.get("STATUS")).isEqualTo("RUNNING"));
            run.get(120, TimeUnit.SECONDS);
            assertThat(runs(service)).singleElement().satisfies(r -> assertThat(r.get("STATUS")).isEqualTo("SUCCEEDED"));
        }
    }

    @org.junit.jupiter.api.Test
    void statusWhereNothingHasRunSaysSoAndCreatesNothing() throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        Path db = temp.resolve("fresh/landing");
        assertThat(cli(temp.resolve("fresh"), "jdbc:h2:file:" + db.toAbsolutePath(), out, "status")).isEqualTo(2);
        assertThat(out.toString()).contains("there is no state database at").contains("nothing has run with this configuration");
        assertThat(java.nio.file.Files.exists(Path.of(db + ".mv.db"))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    @Timeout(180)
    void aOneOffSyncOfATableTheServiceIsReadingWaitsForItOrSaysWhoHoldsIt(String kind) throws Exception {
        Target t = target(kind);
        Properties noWait = settings(t.url());
        noWait.setProperty("sync.table-wait-minutes", "0");
        try (AutoCloseable cleanup = t.cleanup();
             ConnectorRuntime service = TestConnector.start(settings(t.url()));
             ConnectorRuntime oneOff = TestConnector.start(settings(t.url()));
             ConnectorRuntime impatient = TestConnector.start(noWait)) {
            service.sandbox().fno().setPageDelayMillis(150);
            CompletableFuture<Void> run = CompletableFuture.runAsync(() -> service.syncNow("GLEntries", "schedule"));
            awaitRunning(service);
            assertThatThrownBy(() -> impatient.syncNow("GLEntries", "once"))
                    .hasStackTraceContaining("GLEntries is held by run").hasStackTraceContaining("of node " + service.leases().owner())
                    .hasStackTraceContaining("sync.table-wait-minutes");
            oneOff.syncNow("GLEntries", "once"); // waits for the service's run, then reads
            run.get(120, TimeUnit.SECONDS);
            List<Map<String, Object>> all = runs(service);
            List<Map<String, Object>> ran = all.stream().filter(r -> !"FAILED".equals(r.get("STATUS"))).toList();
            assertThat(ran).hasSize(2).allSatisfy(r -> assertThat(r.get("STATUS")).isEqualTo("SUCCEEDED"));
            // never at the same time: the one-off started reading after the service's run had ended
            Instant firstEnded = instant(ran.get(0).get("FINISHED_AT"));
            Instant secondStarted = instant(ran.get(1).get("STARTED_AT"));
            assertThat(secondStarted).isAfterOrEqualTo(firstEnded);
            assertThat(ran.get(1).get("NODE_ID")).isEqualTo(oneOff.leases().owner());
            assertThat(TestConnector.count(service, "GLEntries")).isEqualTo(20_000);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    @Timeout(120)
    void aRunIsAbandonedOnlyOnceItsLeaseHasExpired(String kind) throws Exception {
        Target t = target(kind);
        Properties p = settings(t.url());
        p.setProperty("sync.lease-seconds", "5");
        p.setProperty("sync.table-wait-minutes", "0"); // a table held elsewhere: say so at once
        try (AutoCloseable cleanup = t.cleanup(); ConnectorRuntime rt = TestConnector.start(p)) {
            // a run of another node that is alive (its lease renewed until a minute from now), and one of a node that
            // died an hour ago
            Instant now = Instant.now();
            try (Connection c = rt.landing().dataSource().getConnection()) {
                for (Object[] r : new Object[][]{{"alive-run", "Vendors", now.plusSeconds(60)}, {"dead-run", "GLEntries", now.minusSeconds(3600)}}) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO connector_run (run_id, entity, target_table, destination, "
                            + "trigger_kind, status, started_at, node_id) VALUES (?, 'x', ?, 'landing', 'schedule', 'RUNNING', ?, 'other-node')")) {
                        ps.setString(1, (String) r[0]);
                        ps.setString(2, (String) r[1]);
                        ps.setTimestamp(3, Timestamp.from(now.minusSeconds(7200)));
                        ps.executeUpdate();
                    }
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO table_lease (target_table, owner, run_id, acquired_at, "
                            + "expires_at) VALUES (?, 'other-node', ?, ?, ?)")) {
                        ps.setString(1, (String) r[1]);
                        ps.setString(2, (String) r[0]);
                        ps.setTimestamp(3, Timestamp.from(now.minusSeconds(7200)));
                        ps.setTimestamp(4, Timestamp.from((Instant) r[2]));
                        ps.executeUpdate();
                    }
                }
            }
            // the dead node's table is taken over at once; its run is abandoned, the live one is not
            rt.syncNow("GLEntries", "test");
            assertThat(status(rt, "dead-run")).isEqualTo("ABANDONED");
            Thread.sleep(6_000); // more than a heartbeat of this node later
            assertThat(status(rt, "alive-run")).isEqualTo("RUNNING");
            assertThatThrownBy(() -> rt.syncNow("Vendors", "test")).hasStackTraceContaining("Vendors is held by run alive-run of node other-node");
        }
    }

    private static Instant instant(Object v) {
        return v instanceof Timestamp ts ? ts.toInstant() : ((java.time.OffsetDateTime) v).toInstant();
    }

    private static String status(ConnectorRuntime rt, String runId) throws Exception {
        return (String) TestConnector.query(rt, "SELECT status FROM connector_run WHERE run_id = '" + runId + "'").get(0).get("STATUS");
    }
}
