package com.mlconnector.ops;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.support.ExpectedRows;
import com.mlconnector.support.PostgresSchema;
import com.mlconnector.support.TcpGate;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The state database (PostgreSQL) goes away for 30 s in the middle of a scheduled run, as in a managed database's
 * failover or a maintenance restart: every connection dropped, new ones refused. The service is not restarted:
 * readiness is DOWN meanwhile and liveness UP, it recovers by itself, and the next run leaves the landing database,
 * the Power BI push table and the Delta table exactly what F&O holds. The database is reached through a TCP gate the
 * test closes, never by stopping the machine's shared PostgreSQL. Runs with -Ppostgres.
 */
class StateDatabaseOutageTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The status code of a health URL, or -1 when it did not answer within 5 s. */
    private int health(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health" + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static List<Map<String, Object>> glRuns(ConnectorRuntime rt) throws Exception {
        return TestConnector.query(rt, "SELECT run_id, status, started_at, finished_at, rows_written FROM connector_run "
                + "WHERE target_table = 'GLEntries' ORDER BY started_at");
    }

    @Test
    @Timeout(400)
    void aThirtySecondOutageMidRunIsSurvivedWithoutARestartAndTheNextRunLeavesEveryDestinationExact() throws Exception {
        try (PostgresSchema pg = PostgresSchema.create(); TcpGate gate = new TcpGate(5432)) {
            int management = OperationsTest.freePort();
            Properties p = OperationsTest.withManagement(management);
            p.setProperty("sandbox.landing.jdbc-url", pg.url().replace("127.0.0.1:5432", "127.0.0.1:" + gate.port()));
            p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "20000");
            p.setProperty("sandbox.fno.page-size", "1000");
            p.setProperty("sandbox.fno.page-delay-ms", "400");
            p.setProperty("sync.batch-size", "1000");
            p.setProperty("powerbi.enabled", "true");
            p.setProperty("powerbi.tables", "GLEntries");
            p.setProperty("databricks.enabled", "true");
            p.setProperty("schedule.GLEntries", "0/10 * * * * ?");
            p.setProperty("retry.max-attempts", "8");
            p.setProperty("sync.lease-seconds", "15");
            try (ConnectorRuntime rt = ConnectorRuntime.start(new RuntimeOptions(Path.of("."), p, true, null, null))) {
                assertThat(health(management, "/ready")).isEqualTo(200);
                // a few batches of the first run confirmed
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (((Number) TestConnector.query(rt, "SELECT COUNT(*) AS N FROM batch_audit WHERE target_table = 'GLEntries' "
                        + "AND destination = 'landing'").get(0).get("N")).longValue() < 3) {
                    assertThat(System.nanoTime()).as("the first GL run lands batches").isLessThan(deadline);
                    Thread.sleep(100);
                }

                gate.cut();
                Instant cut = Instant.now();
                boolean readyDown = false;
                boolean liveAlwaysUp = true;
                List<String> seen = new java.util.ArrayList<>();
                while (Duration.between(cut, Instant.now()).toSeconds() < 30) {
                    long t0 = System.nanoTime();
                    int ready = health(management, "/ready");
                    long t1 = System.nanoTime();
                    int live = health(management, "/live");
                    seen.add(Duration.between(cut, Instant.now()).toMillis() + " ms: ready " + ready + " in "
                            + (t1 - t0) / 1_000_000 + " ms, live " + live + " in " + (System.nanoTime() - t1) / 1_000_000 + " ms");
                    readyDown |= ready == 503;
                    liveAlwaysUp &= live == 200;
                    Thread.sleep(500);
                }
                gate.open();
                assertThat(readyDown).as("/observe/health/ready answered DOWN (503) while the database was away: %s", seen).isTrue();
                assertThat(liveAlwaysUp).as("/observe/health/live stayed UP (200) while the database was away: %s", seen).isTrue();

                deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (health(management, "/ready") != 200) {
                    assertThat(System.nanoTime()).as("ready again once the database is back").isLessThan(deadline);
                    Thread.sleep(500);
                }
                // the schedule goes on by itself: a run that started after the database came back succeeds
                Instant back = Instant.now();
                deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
                while (glRuns(rt).stream().noneMatch(r -> "SUCCEEDED".equals(r.get("STATUS"))
                        && ((java.sql.Timestamp) r.get("STARTED_AT")).toInstant().isAfter(back.minusSeconds(1)))) {
                    assertThat(System.nanoTime()).as("a run after the outage succeeds: %s", glRuns(rt)).isLessThan(deadline);
                    Thread.sleep(500);
                }
                List<Map<String, Object>> runs = glRuns(rt);
                assertThat(runs.get(0).get("STATUS")).as("the run the outage hit: %s", runs).isIn("FAILED", "ABANDONED", "SUCCEEDED");

                ExpectedRows.assertLandingEqualsSource(rt, "GLEntries");
                ExpectedRows.assertKeysEqualSource(rt.sandbox(), rt.mappings().get("GLEntries"), "GLEntries in Power BI",
                        rt.sandbox().powerBi().dataset("ml-connector").table("GLEntries").rows());
                ExpectedRows.assertKeysEqualSource(rt.sandbox(), rt.mappings().get("GLEntries"), "GLEntries in Databricks",
                        rt.sandbox().databricks().query("SELECT * FROM \"GLEntries\""));
            }
        }
    }
}
