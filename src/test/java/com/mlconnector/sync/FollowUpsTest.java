package com.mlconnector.sync;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.cli.ConnectorCommand;
import com.mlconnector.cli.FailureHandler;
import com.mlconnector.sandbox.Sandbox;
import com.mlconnector.support.AgainstSandbox;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Table-level follow-ups run once after the runs that landed rows, not once per table run: a {@code sync --once} of
 * every mapped table starts one Databricks Job run, whose job_parameters name the tables that changed and their runs,
 * and asks one refresh of the Power BI model; the service coalesces the runs of a window into one; a follow-up that
 * failed stays owed and is asked again with the next.
 */
class FollowUpsTest {
    private static final String GL_SOURCE = "0d1c2b3a-0000-4000-8000-00000000a001";
    private static final String VENDOR_SOURCE = "0d1c2b3a-0000-4000-8000-00000000a002";

    @TempDir
    Path dir;

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    /** {@code ml-connector sync --once} from a folder of its own, against the emulators of this test. */
    private int syncOnce(Sandbox sandbox, String model, StringWriter err) throws IOException {
        Map<String, String> p = AgainstSandbox.settings(sandbox, "jdbc:h2:file:" + dir.resolve("data/landing").toAbsolutePath());
        p.put("powerbi.refresh-dataset-id", model);
        p.put("powerbi.tables", "GLAccounts,Vendors");
        // Tableau: two published data sources over the landing tables (one reads GL, one the vendors' side)
        p.put("tableau.server-url", sandbox.tableau().baseUrl());
        p.put("tableau.pat-name", Sandbox.TABLEAU_PAT_NAME);
        p.put("tableau.pat-secret", Sandbox.TABLEAU_PAT_SECRET);
        p.put("tableau.site", Sandbox.TABLEAU_SITE);
        p.put("tableau.poll-initial-seconds", "0.2");
        p.put("tableau.datasource-id", GL_SOURCE + "," + VENDOR_SOURCE);
        p.put("tableau.datasource." + GL_SOURCE + ".tables", "GLEntries,GLAccounts");
        p.put("tableau.datasource." + VENDOR_SOURCE + ".tables", "Vendors,Invoices,InvoiceLines");
        Files.writeString(dir.resolve("application.properties"), p.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n", "", "\n")));
        CommandLine cmd = new CommandLine(new ConnectorCommand()).setExecutionExceptionHandler(new FailureHandler());
        cmd.setOut(new PrintWriter(new StringWriter(), true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute("sync", "--once", "--dir", dir.toString());
    }

    /** The runs of the landing database's ledger that landed rows, as table=run. */
    private List<String> runsThatLanded(long afterRunCount) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("data/landing").toAbsolutePath());
             ResultSet rs = c.createStatement().executeQuery("SELECT target_table, run_id, rows_written, rows_deleted FROM connector_run "
                     + "ORDER BY started_at OFFSET " + afterRunCount + " ROWS")) {
            while (rs.next()) {
                if (rs.getLong(3) + rs.getLong(4) > 0) {
                    out.add(rs.getString(1) + "=" + rs.getString(2));
                }
            }
        }
        return out;
    }

    @Test
    void aSyncOnceOfEveryTableStartsOneJobRunNamingTheTablesThatChangedAndRefreshesTheModelOnce() throws Exception {
        copy(Path.of("routes"), dir.resolve("routes"));
        copy(Path.of("mappings"), dir.resolve("mappings"));
        copy(Path.of("events"), dir.resolve("events"));
        Map<String, String> world = Map.of("sandbox.fno.throttle-share", "0", "sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "3000");
        try (Sandbox sandbox = Sandbox.start(world::get)) {
            String model = sandbox.powerBi().addImportModel("Finance model");
            sandbox.tableau().addDatasource(GL_SOURCE, "GL (landing)");
            sandbox.tableau().addDatasource(VENDOR_SOURCE, "Vendors (landing)");
            StringWriter err = new StringWriter();
            assertThat(syncOnce(sandbox, model, err)).as(err.toString()).isZero();

            List<String> landed = runsThatLanded(0);
            assertThat(landed).as("every mapped table landed rows on the first sync").hasSize(12);
            assertThat(sandbox.databricks().jobRuns()).as("one Job run for the 12 tables").isEqualTo(1);
            Map<String, String> params = sandbox.databricks().jobRunParameters().get(0);
            assertThat(new TreeSet<>(Arrays.asList(params.get("tables").split(","))))
                    .isEqualTo(landed.stream().map(r -> r.substring(0, r.indexOf('='))).collect(Collectors.toCollection(TreeSet::new)));
            assertThat(new TreeSet<>(Arrays.asList(params.get("run_ids").split(",")))).isEqualTo(new TreeSet<>(landed));
            assertThat(sandbox.powerBi().dataset("Finance model").refreshesAsked()).as("one refresh of the model").isEqualTo(1);
            assertThat(sandbox.tableau().jobsOf(GL_SOURCE)).as("one extract refresh per data source").isEqualTo(1);
            assertThat(sandbox.tableau().jobsOf(VENDOR_SOURCE)).isEqualTo(1);

            // one vendor changes: the next sync's Job run names Vendors alone, and the model is refreshed once more
            long runsBefore = landedRunCount();
            sandbox.update("VendorsV2", 5, Map.of("VendorOrganizationName", "Changed for the follow-up test"));
            assertThat(syncOnce(sandbox, model, err)).as(err.toString()).isZero();
            List<String> second = runsThatLanded(runsBefore);
            assertThat(second).singleElement().satisfies(r -> assertThat(r).startsWith("Vendors="));
            assertThat(sandbox.databricks().jobRuns()).isEqualTo(2);
            assertThat(sandbox.databricks().jobRunParameters().get(1)).containsEntry("tables", "Vendors")
                    .containsEntry("run_ids", second.get(0));
            assertThat(sandbox.powerBi().dataset("Finance model").refreshesAsked()).isEqualTo(2);
            assertThat(sandbox.tableau().jobsOf(GL_SOURCE)).as("GL did not change").isEqualTo(1);
            assertThat(sandbox.tableau().jobsOf(VENDOR_SOURCE)).isEqualTo(2);

            // nothing changed: no Job run, no refresh
            assertThat(syncOnce(sandbox, model, err)).as(err.toString()).isZero();
            assertThat(sandbox.databricks().jobRuns()).isEqualTo(2);
            assertThat(sandbox.powerBi().dataset("Finance model").refreshesAsked()).isEqualTo(2);
            assertThat(sandbox.tableau().jobsOf(GL_SOURCE) + sandbox.tableau().jobsOf(VENDOR_SOURCE)).isEqualTo(3);
        }
    }

    private long landedRunCount() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("data/landing").toAbsolutePath());
             ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM connector_run")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void theServiceStartsTheJobOnceForTheRunsOfAWindow() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("databricks.enabled", "true");
        p.setProperty("databricks.coalesce-seconds", "3");
        try (ConnectorRuntime rt = ConnectorRuntime.start(new RuntimeOptions(Path.of("."), p, true, null, null))) {
            for (String t : List.of("Vendors", "GLAccounts", "Products")) {
                rt.syncNow(t, "test");
            }
            assertThat(rt.sandbox().databricks().jobRuns()).as("owed, not started per run").isZero();
            long deadline = System.currentTimeMillis() + 20_000;
            while (rt.sandbox().databricks().jobRuns() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertThat(rt.sandbox().databricks().jobRuns()).isEqualTo(1);
            assertThat(rt.sandbox().databricks().jobRunParameters().get(0)).containsEntry("tables", "GLAccounts,Products,Vendors");
            assertThat(rt.followUps().owed("databricks")).as("settled").isEmpty();
            Thread.sleep(6_000);
            assertThat(rt.sandbox().databricks().jobRuns()).as("no second run for the same runs").isEqualTo(1);
        }
    }

    @Test
    void theServiceRefreshesEachTableauDataSourceOnceForTheRunsOfAWindow() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("tableau.enabled", "true");
        p.setProperty("tableau.poll-initial-seconds", "0.2");
        p.setProperty("sandbox.tableau.job-seconds", "1");
        p.setProperty("tableau.refresh-interval-seconds", "12"); // longer than the four runs take
        try (ConnectorRuntime rt = ConnectorRuntime.start(new RuntimeOptions(Path.of("."), p, true, null, null))) {
            for (String t : List.of("Vendors", "GLAccounts", "GLEntries", "Products")) {
                rt.syncNow(t, "test");
            }
            assertThat(rt.sandbox().tableau().refreshRequests()).as("owed, not refreshed per run").isZero();
            long deadline = System.currentTimeMillis() + 40_000;
            while (!rt.followUps().owed("tableau").isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertThat(rt.followUps().owed("tableau")).as("settled").isEmpty();
            assertThat(rt.sandbox().tableau().refreshRequests()).as("the one data source reading Vendors, GLAccounts, GLEntries")
                    .isEqualTo(1);
            assertThat(TestConnector.query(rt, "SELECT status FROM batch_audit WHERE destination = 'tableau' AND kind = 'REFRESH'"))
                    .singleElement().satisfies(r -> assertThat(r).containsEntry("STATUS", "CONFIRMED"));
            Thread.sleep(6_000);
            assertThat(rt.sandbox().tableau().refreshRequests()).as("no second refresh for the same runs").isEqualTo(1);
        }
    }

    @Test
    void aFollowUpThatFailedStaysOwedAndIsAskedAgainWithTheNextRun() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("databricks.enabled", "true");
        p.setProperty("databricks.follow-job", "true");
        p.setProperty("retry.max-attempts", "1");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.sandbox().databricks().scriptJobStates("INTERNAL_ERROR");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> rt.syncNow("Vendors", "test"));
            assertThat(rt.followUps().owed("databricks")).extracting(o -> o.table()).containsExactly("Vendors");
            assertThat(com.mlconnector.ops.StatusReport.followUpsOwed(rt.landing().dataSource()))
                    .contains("Follow-ups owed").containsPattern("databricks +Vendors +run ");
            rt.sandbox().databricks().scriptJobStates();
            rt.syncNow("GLAccounts", "test");
            assertThat(rt.sandbox().databricks().jobRuns()).isEqualTo(2);
            assertThat(rt.sandbox().databricks().jobRunParameters().get(1)).containsEntry("tables", "GLAccounts,Vendors");
            assertThat(rt.followUps().owed("databricks")).isEmpty();
            assertThat(TestConnector.query(rt, "SELECT target_table, status FROM batch_audit WHERE kind = 'JOB' ORDER BY finished_at"))
                    .extracting(r -> r.get("TARGET_TABLE") + " " + r.get("STATUS"))
                    .containsExactlyInAnyOrder("Vendors FAILED", "GLAccounts CONFIRMED", "Vendors CONFIRMED");
        }
    }
}
