package com.mlconnector.sync;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.support.CrashableSync;
import com.mlconnector.support.ExpectedRows;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A child JVM syncing is killed (SIGKILL) at random points, started again until a run completes; then the landing
 * database equals the source, and every row was confirmed exactly once (a resumed run re-sends at most what was in
 * flight when the process died, and that batch had not been confirmed).
 */
class CrashRecoveryTest {
    private static final String[] TABLES = {"GLEntries", "Vendors", "Invoices"};

    @TempDir
    Path temp;

    private Process child(String landingUrl) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path")));
        for (String prop : List.of("javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType")) {
            if (System.getProperty(prop) != null) {
                cmd.add("-D" + prop + "=" + System.getProperty(prop));
            }
        }
        cmd.add(CrashableSync.class.getName());
        cmd.add(landingUrl);
        cmd.addAll(List.of(TABLES));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(temp.resolve("child.log").toFile()).start();
    }

    /** Waits until the child's log shows a run started; false when the child ended first. */
    private boolean awaitRunStarted(Process p) throws Exception {
        Path log = temp.resolve("child.log");
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("started (crash-test)")) {
                return true;
            }
            if (!p.isAlive()) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    @Test
    void killedAtRandomPointsAndRestartedTheLandingEndsIdenticalToTheSource() throws Exception {
        long seed = Long.getLong("crash.seed", 42L);
        System.out.println("CrashRecoveryTest seed=" + seed);
        Random r = new Random(seed);
        String url = "jdbc:h2:file:" + temp.resolve("landing").toAbsolutePath();
        int kills = 0;
        int exit = -1;
        for (int attempt = 0; attempt < 12 && exit != 0; attempt++) {
            Process p = child(url);
            if (kills < 5) {
                // kill at a random point after a run has begun (start-up time varies from machine to machine)
                if (!awaitRunStarted(p)) {
                    exit = p.exitValue();
                    continue;
                }
                long at = 100 + r.nextInt(2500);
                if (!p.waitFor(at, TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly(); // SIGKILL: no shutdown hook, no clean close
                    p.waitFor();
                    kills++;
                    continue;
                }
                exit = p.exitValue();
            } else {
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
                exit = p.exitValue();
            }
        }
        assertThat(exit).as("the last child ran to the end; log in " + temp.resolve("child.log")).isZero();
        assertThat(kills).isPositive();
        System.out.println("CrashRecoveryTest: killed " + kills + " times");

        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(Path.of("."), CrashableSync.settings(url)))) {
            for (String t : TABLES) {
                ExpectedRows.assertLandingEqualsSource(rt, t);
                long confirmed = ((Number) TestConnector.query(rt, "SELECT COALESCE(SUM(row_count), 0) AS N FROM batch_audit "
                        + "WHERE target_table = '" + t + "' AND destination = 'landing' AND status = 'CONFIRMED' AND kind = 'UPSERT'").get(0).get("N")).longValue();
                assertThat(confirmed).as(t + ": rows confirmed over all runs").isEqualTo(TestConnector.count(rt, t));
            }
            assertThat(TestConnector.query(rt, "SELECT * FROM connector_run WHERE status = 'RUNNING'")).isEmpty();
            // the kills did land in the middle of runs (not only during start-up)
            assertThat(TestConnector.query(rt, "SELECT * FROM connector_run WHERE status = 'ABANDONED'")).isNotEmpty();
        }
    }
}
