package com.mlconnector.sync;

import com.mlconnector.cli.ConnectorCommand;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.MappingLoader;
import com.mlconnector.sandbox.Sandbox;
import com.mlconnector.support.AgainstSandbox;
import com.mlconnector.support.ExpectedRows;
import com.mlconnector.support.PostgresSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real connector process ({@code sync --once}, its own JVM) is SIGKILLed right after one of the moments its
 * guarantees rest on, read from its log: a Power BI post, a Power BI replace, a Databricks MERGE, a landing batch, a
 * Databricks Job start. The systems it writes to live in this JVM (F&O, Entra, Power BI and Databricks emulators), so
 * they outlive it, as real ones do. Started again, it must leave every destination exactly what F&O holds: each key
 * once in the Power BI push tables and the Delta tables, the landing row for row. On the embedded H2 landing (the
 * default) and on PostgreSQL (-Ppostgres).
 */
class CrashAtMomentsTest {
    private static final List<String> TABLES = List.of("GLEntries", "Vendors");

    /** A moment: the log line after which the process is killed. */
    private record Moment(String name, Pattern line) {
    }

    private static final List<Moment> MOMENTS = List.of(
            new Moment("after a Power BI post", Pattern.compile("destination=powerbi batch=\\d+ rows=\\d+ posted to GLEntries")),
            new Moment("after a Power BI replace", Pattern.compile("destination=powerbi table Vendors replaced")),
            new Moment("after a Databricks MERGE", Pattern.compile("destination=databricks batch=\\d+ rows=\\d+ .* statement")),
            new Moment("after a landing batch", Pattern.compile("batch confirmed .*destination=landing")),
            new Moment("after a Databricks Job start", Pattern.compile("destination=databricks job \\d+ run \\d+ started")));

    @TempDir
    Path temp;

    @Test
    @Timeout(600)
    void killedAtEachMomentOnTheEmbeddedH2LandingEveryDestinationEndsExactlyTheSource() throws Exception {
        for (Moment moment : MOMENTS) {
            Path dir = Files.createDirectories(temp.resolve("h2-" + MOMENTS.indexOf(moment)));
            killAndRecover(moment, "jdbc:h2:file:" + dir.resolve("landing").toAbsolutePath(), dir);
        }
    }

    @Test
    @Timeout(600)
    void killedAtEachMomentOnPostgresEveryDestinationEndsExactlyTheSource() throws Exception {
        for (Moment moment : MOMENTS) {
            try (PostgresSchema pg = PostgresSchema.create()) {
                killAndRecover(moment, pg.url(), Files.createDirectories(temp.resolve("pg-" + MOMENTS.indexOf(moment))));
            }
        }
    }

    private void killAndRecover(Moment moment, String landingUrl, Path dir) throws Exception {
        Random random = new Random(Long.getLong("crash.seed", 7L) + MOMENTS.indexOf(moment));
        Map<String, String> world = Map.of("sandbox.fno.throttle-share", "0", "sandbox.fno.page-size", "500",
                "sandbox.fno.page-delay-ms", "300", "sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "3000");
        try (Sandbox sandbox = Sandbox.start(world::get)) {
            Path firstLog = dir.resolve("killed.log");
            Process first = connector(sandbox, landingUrl, firstLog);
            long delay = random.nextInt(200);
            try {
                assertThat(awaitLine(first, firstLog, moment.line()))
                        .as("%s: the moment came before the process ended; log in %s", moment.name(), firstLog).isTrue();
                Thread.sleep(delay);
                assertThat(first.isAlive()).as("%s: still running %d ms after it (log in %s)", moment.name(), delay, firstLog).isTrue();
            } finally {
                first.destroyForcibly(); // SIGKILL: no shutdown hook, no clean close
                first.waitFor(30, TimeUnit.SECONDS);
            }
            Path againLog = dir.resolve("again.log");
            Process again = connector(sandbox, landingUrl, againLog);
            assertThat(again.waitFor(180, TimeUnit.SECONDS)).as("%s: the run after the kill ends; log in %s", moment.name(), againLog).isTrue();
            assertThat(again.exitValue()).as("%s: the run after the kill succeeds; log in %s", moment.name(), againLog).isZero();

            String what = moment.name() + " (+" + delay + " ms, " + (landingUrl.startsWith("jdbc:h2") ? "H2" : "PostgreSQL") + ")";
            for (String table : TABLES) {
                EntityMapping m = mapping(table);
                ExpectedRows.assertRowsEqualSource(sandbox, m, table + " in the landing database " + what, landing(landingUrl, table));
                ExpectedRows.assertKeysEqualSource(sandbox, m, table + " in Power BI " + what,
                        sandbox.powerBi().dataset("ml-connector").table(table).rows());
                ExpectedRows.assertKeysEqualSource(sandbox, m, table + " in Databricks " + what,
                        sandbox.databricks().query("SELECT * FROM \"" + table + "\""));
            }
        }
    }

    /** {@code ml-connector sync --once} against the emulators of this JVM, as a deployment would run it. */
    private Process connector(Sandbox sandbox, String landingUrl, Path log) throws Exception {
        Map<String, String> props = AgainstSandbox.settings(sandbox, landingUrl);
        props.put("powerbi.tables", String.join(",", TABLES));
        props.put("sync.batch-size", "500");
        props.put("sync.lease-seconds", "5"); // the killed process's lease expires soon, so the next one takes it over
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        for (String prop : List.of("javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType")) {
            if (System.getProperty(prop) != null) {
                cmd.add("-D" + prop + "=" + System.getProperty(prop));
            }
        }
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ConnectorCommand.class.getName(), "sync", "--once",
                "--dir", Path.of(".").toAbsolutePath().normalize().toString(), "--entity"));
        cmd.addAll(TABLES);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits for a line of the log matching the pattern; false when the process ended first. */
    private static boolean awaitLine(Process p, Path log, Pattern line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && line.matcher(Files.readString(log)).find()) {
                return true;
            }
            if (!p.isAlive()) {
                return line.matcher(Files.readString(log)).find();
            }
            Thread.sleep(5);
        }
        return false;
    }

    private static EntityMapping mapping(String table) {
        return MappingLoader.loadFolder(Path.of("mappings")).stream().filter(m -> m.table().equals(table)).findFirst().orElseThrow();
    }

    private static List<Map<String, Object>> landing(String url, String table) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM \"" + table + "\"")) {
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }
}
