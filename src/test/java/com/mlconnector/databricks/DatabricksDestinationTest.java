package com.mlconnector.databricks;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.sandbox.DatabricksEmulator;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** End to end against the sandbox Databricks: first load, updates, deletes, re-runs, schema change, slow and failing statements. */
class DatabricksDestinationTest {
    @TempDir
    Path temp;

    private static Properties databricks() {
        Properties p = TestConnector.defaults();
        p.setProperty("databricks.enabled", "true");
        return p;
    }

    private static List<Map<String, Object>> warehouse(ConnectorRuntime rt, String sql) throws Exception {
        return rt.sandbox().databricks().query(sql);
    }

    @Test
    void firstLoadUpdatesDeletesAndReRunsLeaveTheDeltaTableEqualToTheLanding() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(databricks())) {
            DatabricksEmulator db = rt.sandbox().databricks();
            rt.syncNow("Vendors", "test");
            assertThat(warehouse(rt, "SELECT COUNT(*) AS N FROM \"Vendors\"").get(0).get("N")).isEqualTo(600L);
            // quotes and non-ASCII text arrive unchanged (every value is a named parameter)
            assertThat(warehouse(rt, "SELECT \"VendorName\" FROM \"Vendors\" ORDER BY \"Company\", \"VendorAccount\""))
                    .extracting(r -> r.get("VendorName"))
                    .containsExactlyElementsOf(TestConnector.query(rt, "SELECT \"VendorName\" FROM \"Vendors\" ORDER BY \"Company\", \"VendorAccount\"")
                            .stream().map(r -> r.get("VendorName")).toList())
                    .anySatisfy(n -> assertThat((String) n).startsWith("O'Brien & Søn"))
                    .anySatisfy(n -> assertThat((String) n).startsWith("東京商事"));
            assertThat(db.jobRuns()).isEqualTo(1);

            long statements = db.statements();
            rt.syncNow("Vendors", "test");
            assertThat(db.statements()).as("nothing changed, no statement").isEqualTo(statements);
            assertThat(db.jobRuns()).as("no rows, no job run").isEqualTo(1);

            rt.sandbox().update("VendorsV2", 10, Map.of("VendorOrganizationName", "Quote ' and \\ backslash \"x\""));
            rt.sandbox().delete("VendorsV2", 11);
            rt.syncNow("Vendors", "test");
            assertThat(warehouse(rt, "SELECT COUNT(*) AS N FROM \"Vendors\"").get(0).get("N")).isEqualTo(599L);
            assertThat(warehouse(rt, "SELECT \"VendorName\" FROM \"Vendors\" WHERE \"VendorAccount\" = 'V-000011'"))
                    .extracting(r -> r.get("VendorName")).containsExactly("Quote ' and \\ backslash \"x\"");
            assertThat(db.jobRuns()).isEqualTo(2);

            // a batch delivered again changes nothing: forget what Databricks holds and run once more
            try (var c = rt.landing().dataSource().getConnection(); var st = c.createStatement()) {
                st.executeUpdate("DELETE FROM delivered_key WHERE destination = 'databricks'");
            }
            rt.syncNow("Vendors", "test");
            assertThat(warehouse(rt, "SELECT COUNT(*) AS N FROM \"Vendors\"").get(0).get("N")).isEqualTo(599L);
        }
    }

    @Test
    void aThrottledStatementIsRetriedAloneAndNothingIsSubmittedBeforeItsRetryAfter() throws Exception {
        Properties p = databricks();
        p.setProperty("databricks.rows-per-statement", "100"); // 600 vendors: one batch of 6 MERGE statements
        p.setProperty("retry.max-attempts", "3");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            DatabricksEmulator db = rt.sandbox().databricks();
            // CREATE and SHOW COLUMNS are submissions 1 and 2; the third MERGE of the batch is the 5th
            db.throttleSubmissions(1, 5);
            rt.syncNow("Vendors", "test");
            List<DatabricksEmulator.Submission> all = db.submissions();
            List<DatabricksEmulator.Submission> merges = all.stream().filter(x -> x.statement().startsWith("MERGE")).toList();
            assertThat(merges).hasSize(7);
            DatabricksEmulator.Submission refused = merges.stream().filter(DatabricksEmulator.Submission::throttled).findFirst().orElseThrow();
            // only the throttled statement went again; every other one once
            assertThat(merges.stream().filter(x -> x.identity().equals(refused.identity()))).hasSize(2);
            assertThat(merges.stream().map(DatabricksEmulator.Submission::identity).distinct()).hasSize(6);
            // nothing at all went out before its Retry-After (1 s) had passed
            assertThat(all.stream().filter(x -> x.at().isAfter(refused.at()))
                    .map(x -> java.time.Duration.between(refused.at(), x.at()).toMillis()))
                    .as("ms after the 429 of each later submission").isNotEmpty().allSatisfy(ms -> assertThat(ms).isGreaterThanOrEqualTo(1000));
            assertThat(warehouse(rt, "SELECT COUNT(*) AS N FROM \"Vendors\"").get(0).get("N")).isEqualTo(600L);
            assertThat(TestConnector.runs(rt, "Vendors").get(0)).containsEntry("STATUS", "SUCCEEDED");

            // a statement throttled on every attempt: its batch is dead-lettered once its retries are spent (not
            // repeated whole), and the next statement of any batch still waits for the last Retry-After
            rt.syncNow("GLAccounts", "test");
            int before = db.submissions().size();
            rt.sandbox().update("VendorsV2", 3, Map.of("VendorOrganizationName", "changed"));
            db.throttleSubmissions(1, 1, 2, 3);
            assertThatThrownBy(() -> rt.syncNow("Vendors", "test")).hasStackTraceContaining("dead-lettered");
            List<DatabricksEmulator.Submission> second = db.submissions().subList(before, db.submissions().size());
            assertThat(second.stream().filter(x -> x.statement().startsWith("MERGE")).map(DatabricksEmulator.Submission::throttled))
                    .containsExactly(true, true, true);
            rt.sandbox().update("MainAccounts", 3, Map.of("Name", "changed"));
            rt.syncNow("GLAccounts", "test");
            List<DatabricksEmulator.Submission> third = db.submissions();
            java.time.Instant lastRefusal = third.stream().filter(DatabricksEmulator.Submission::throttled)
                    .map(DatabricksEmulator.Submission::at).max(java.time.Instant::compareTo).orElseThrow();
            assertThat(third.stream().filter(x -> x.at().isAfter(lastRefusal)).map(x -> java.time.Duration.between(lastRefusal, x.at()).toMillis()))
                    .as("ms after the last 429 of each later submission").isNotEmpty().allSatisfy(ms -> assertThat(ms).isGreaterThanOrEqualTo(1000));
        }
    }

    /** Rows of a table as text per column (decimals without trailing zeros, times as instants), on the columns given. */
    private static List<Map<String, String>> normalized(List<Map<String, Object>> rows, java.util.Collection<String> columns) {
        return rows.stream().map(r -> {
            Map<String, String> out = new java.util.LinkedHashMap<>();
            for (String c : columns) {
                Object v = r.get(c);
                out.put(c, v == null ? null : v instanceof java.math.BigDecimal d ? d.stripTrailingZeros().toPlainString()
                        : v instanceof java.time.OffsetDateTime t ? t.toInstant().toString() : v.toString());
            }
            return out;
        }).toList();
    }

    /** The Delta table holds exactly what the landing table holds, row for row and value for value. */
    private static void assertWarehouseEqualsLanding(ConnectorRuntime rt, String table, String orderBy) throws Exception {
        List<Map<String, Object>> delta = warehouse(rt, "SELECT * FROM \"" + table + "\" ORDER BY " + orderBy);
        List<Map<String, Object>> landing = TestConnector.query(rt, "SELECT * FROM \"" + table + "\" ORDER BY " + orderBy);
        assertThat(delta).as("rows in Databricks").hasSameSizeAs(landing).isNotEmpty();
        java.util.Set<String> columns = delta.get(0).keySet();
        assertThat(normalized(delta, columns)).isEqualTo(normalized(landing, columns));
    }

    private static List<String> staged(ConnectorRuntime rt) throws Exception {
        return rt.sandbox().databricks().volumes().files("/Volumes/main/finance/staging");
    }

    @Test
    void aLargeRunIsStagedAsFilesAndLoadedInAHandfulOfStatements() throws Exception {
        Properties p = databricks();
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "25000");
        p.setProperty("databricks.bulk-threshold-rows", "10000");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            DatabricksEmulator db = rt.sandbox().databricks();
            rt.syncNow("GLEntries", "test");
            List<String> statements = db.submissions().stream().map(DatabricksEmulator.Submission::statement).toList();
            // 25,000 rows: 3 files (batches of 10,000), then CREATE staging, COPY INTO, one MERGE, DROP; the MERGE path
            // would have sent 50 MERGE statements of 500 rows
            assertThat(db.volumes().uploads()).isEqualTo(3);
            assertThat(statements).hasSize(6);
            assertThat(statements).filteredOn(x -> x.startsWith("MERGE")).hasSize(1);
            assertThat(statements).filteredOn(x -> x.startsWith("COPY INTO")).singleElement().asString()
                    .contains("/Volumes/main/finance/staging/ml-connector/GLEntries/");
            assertThat(statements.get(statements.size() - 1)).startsWith("DROP TABLE IF EXISTS `_mlc_stage_GLEntries_");
            assertWarehouseEqualsLanding(rt, "GLEntries", "\"EntryRecId\"");
            assertThat(staged(rt)).as("staging files left").isEmpty();
            assertThat(db.jobRuns()).isEqualTo(1);
            assertThat(TestConnector.runs(rt, "GLEntries").get(0)).containsEntry("STATUS", "SUCCEEDED");

            // a run below the threshold merges by statements, as before
            rt.syncNow("Vendors", "test");
            assertThat(db.volumes().uploads()).isEqualTo(3);
            assertThat(db.submissions().stream().map(DatabricksEmulator.Submission::statement)).filteredOn(x -> x.startsWith("MERGE")).hasSize(3);
            assertWarehouseEqualsLanding(rt, "Vendors", "\"Company\", \"VendorAccount\"");
        }
    }

    @Test
    void stagedRowsSurviveAFailureBetweenTheStepsAndAreMergedBeforeAnythingNewer() throws Exception {
        Properties p = databricks();
        p.setProperty("databricks.bulk-threshold-rows", "100"); // Vendors (600, read whole each run) always takes the bulk path
        p.setProperty("sync.batch-size", "250");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            DatabricksEmulator db = rt.sandbox().databricks();
            // the warehouse fails the MERGE: the staged rows are kept, the run says where
            db.failStatementsStartingWith("MERGE");
            assertThatThrownBy(() -> rt.syncNow("Vendors", "test")).hasStackTraceContaining("merged before the next write");
            assertThat(staged(rt)).hasSize(3);
            assertThat(warehouse(rt, "SELECT COUNT(*) AS N FROM \"Vendors\"").get(0).get("N")).isEqualTo(0L);

            // the next run merges them first, then its own (vendor 10 renamed since)
            db.failStatementsStartingWith(null);
            rt.sandbox().update("VendorsV2", 10, Map.of("VendorOrganizationName", "renamed after the failure"));
            rt.syncNow("Vendors", "test");
            assertThat(staged(rt)).isEmpty();
            assertWarehouseEqualsLanding(rt, "Vendors", "\"Company\", \"VendorAccount\"");
            assertThat(warehouse(rt, "SELECT \"VendorName\" FROM \"Vendors\" WHERE \"VendorAccount\" = 'V-000011'"))
                    .extracting(r -> r.get("VendorName")).containsExactly("renamed after the failure");

            // a failure after the MERGE (the staging table cannot be dropped): the files stay, and merging them again
            // changes nothing
            db.failStatementsStartingWith("DROP");
            rt.sandbox().update("VendorsV2", 10, Map.of("VendorOrganizationName", "renamed twice"));
            rt.sandbox().delete("VendorsV2", 12);
            assertThatThrownBy(() -> rt.syncNow("Vendors", "test")).hasStackTraceContaining("merged before the next write");
            assertThat(staged(rt)).hasSize(1);
            db.failStatementsStartingWith(null);
            rt.syncNow("Vendors", "test");
            assertThat(staged(rt)).isEmpty();
            assertWarehouseEqualsLanding(rt, "Vendors", "\"Company\", \"VendorAccount\"");
            assertThat(warehouse(rt, "SELECT COUNT(*) AS N FROM \"Vendors\"").get(0).get("N")).isEqualTo(599L);
            assertThat(warehouse(rt, "SELECT COUNT(*) AS N FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME LIKE '_mlc_stage_%'")
                    .get(0).get("N")).as("staging tables left").isEqualTo(0L);
        }
    }

    @Test
    void aFollowedJobRunHasADeadlineAndAStateNobodyKnowsEndsTheWait() throws Exception {
        Properties p = databricks();
        p.setProperty("databricks.follow-job", "true");
        p.setProperty("databricks.job-timeout-seconds", "3");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            DatabricksEmulator db = rt.sandbox().databricks();
            db.scriptJobStates("RUNNING"); // a job that never ends
            assertThatThrownBy(() -> rt.syncNow("GLAccounts", "test")).hasStackTraceContaining("did not end within 3 s");
            assertThat((String) TestConnector.runs(rt, "GLAccounts").get(0).get("ERROR_MESSAGE"))
                    .contains("databricks.job-timeout-seconds");

            db.scriptJobStates("PAUSED_FOR_SOMETHING_NEW");
            rt.sandbox().update("MainAccounts", 1, Map.of("Name", "changed"));
            assertThatThrownBy(() -> rt.syncNow("GLAccounts", "test")).hasStackTraceContaining("PAUSED_FOR_SOMETHING_NEW")
                    .hasStackTraceContaining("does not know");
        }
    }

    @Test
    void softDeletesFlagTheRowInsteadOfRemovingIt() throws Exception {
        Properties p = databricks();
        p.setProperty("databricks.deletes", "soft");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("GLAccounts", "test");
            rt.sandbox().delete("MainAccounts", 0);
            rt.syncNow("GLAccounts", "test");
            assertThat(warehouse(rt, "SELECT \"MainAccountId\", \"_deleted\" FROM \"GLAccounts\" WHERE \"_deleted\" = TRUE"))
                    .extracting(r -> r.get("MainAccountId")).containsExactly("100000");
            assertThat(warehouse(rt, "SELECT COUNT(*) AS N FROM \"GLAccounts\"").get(0).get("N")).isEqualTo(150L);
        }
    }

    @Test
    void aMappingThatGainsAColumnAddsItToTheDeltaTable() throws Exception {
        Path mappings = Files.createDirectories(temp.resolve("mappings"));
        String products = Files.readString(Path.of("mappings/products.yaml"));
        Files.writeString(mappings.resolve("products.yaml"), products);
        Properties p = databricks();
        p.setProperty("connector.mappings-dir", mappings.toAbsolutePath().toString());
        p.setProperty("sandbox.landing.jdbc-url", "jdbc:h2:file:" + temp.resolve("landing").toAbsolutePath());
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("Products", "test");
            Files.writeString(mappings.resolve("products.yaml"), products.replace("columns:\n",
                    "columns:\n  - { name: ServiceType, source: ServiceType, type: string }\n"));
        }
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            // a new sandbox: the table is created again from the new mapping; the ALTER path is proven below
            rt.syncNow("Products", "test");
            assertThat(warehouse(rt, "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'Products'"))
                    .extracting(r -> r.get("COLUMN_NAME")).contains("ServiceType");
        }
    }

    @Test
    void anExistingTableGainsTheNewColumnsByAlterTable() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(databricks())) {
            rt.databricksClient().execute("CREATE TABLE IF NOT EXISTS `Products` (`ProductNumber` STRING) USING DELTA", List.of());
            rt.syncNow("Products", "test");
            assertThat(warehouse(rt, "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'Products'"))
                    .extracting(r -> r.get("COLUMN_NAME")).contains("ProductNumber", "ProductName", "IsCatchWeight");
            assertThat(warehouse(rt, "SELECT COUNT(*) AS N FROM \"Products\"").get(0).get("N")).isEqualTo(500L);
        }
    }

    @Test
    void slowStatementsArePolledAndTooSlowOnesCancelledAndDeadLettered() throws Exception {
        Properties p = databricks();
        p.setProperty("databricks.wait-timeout-seconds", "0");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.sandbox().databricks().setStatementDelayMillis(300);
            rt.syncNow("GLAccounts", "test");
            assertThat(warehouse(rt, "SELECT COUNT(*) AS N FROM \"GLAccounts\"").get(0).get("N")).isEqualTo(150L);
        }
        p.setProperty("databricks.statement-timeout-seconds", "1");
        p.setProperty("sandbox.landing.jdbc-url", TestConnector.defaults().getProperty("sandbox.landing.jdbc-url")); // a fresh state
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.sandbox().databricks().setStatementDelayMillis(3_000);
            assertThatThrownBy(() -> rt.syncNow("GLAccounts", "test")).isInstanceOf(RuntimeException.class);
            assertThat(rt.deadLetters().list(true)).singleElement().satisfies(d -> {
                assertThat(d.destination()).isEqualTo("databricks");
                assertThat(d.reason()).contains("did not finish within 1 s").contains("cancelled");
            });
            // the warehouse is fast again: the dead letter is replayed into Databricks (not anywhere else)
            rt.sandbox().databricks().setStatementDelayMillis(0);
            assertThat(com.mlconnector.app.Replay.run(rt, com.mlconnector.app.Replay.pending(rt.deadLetters())))
                    .singleElement().satisfies(o -> assertThat(o.ok()).as(o.detail()).isTrue());
            assertThat(warehouse(rt, "SELECT COUNT(*) AS N FROM \"GLAccounts\"").get(0).get("N")).isEqualTo(150L);
        }
    }

    @Test
    void theWarehousesErrorTextIsSurfacedAnd429And401AreHandled() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(databricks())) {
            assertThatThrownBy(() -> rt.databricksClient().execute("SELEC 1", List.of()))
                    .isInstanceOf(DatabricksClient.StatementFailedException.class).hasMessageContaining("FAILED")
                    .hasMessageContaining("PARSE_SYNTAX_ERROR");
            rt.sandbox().databricks().throttleNext(2);
            rt.syncNow("GLAccounts", "test");
            rt.sandbox().tokens().expireAll();
            rt.sandbox().update("MainAccounts", 5, Map.of("Name", "Renamed"));
            rt.syncNow("GLAccounts", "test");
            assertThat(warehouse(rt, "SELECT \"AccountName\" FROM \"GLAccounts\" WHERE \"MainAccountId\" = '100050'"))
                    .extracting(r -> r.get("AccountName")).containsExactly("Renamed");
            assertThat(rt.sandbox().databricks().tokensIssued()).isEqualTo(2);
        }
    }

    @Test
    void aRetriedJobTriggerReturnsTheSameRun() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(databricks())) {
            long first = rt.databricksClient().runNow(7001, "ml-connector-run-1", null);
            long again = rt.databricksClient().runNow(7001, "ml-connector-run-1", null);
            long other = rt.databricksClient().runNow(7001, "ml-connector-run-2", null);
            assertThat(again).isEqualTo(first);
            assertThat(other).isNotEqualTo(first);
            assertThat(rt.sandbox().databricks().jobRuns()).isEqualTo(2);
        }
    }

    /** job_parameters as the Jobs API takes them: strings only, at most 10,000 bytes; refused otherwise. */
    @Test
    void jobParametersAreStringsWithinTheJobsApisLimit() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(databricks())) {
            rt.databricksClient().runNow(7001, "ml-connector-params", Map.of("tables", "Vendors", "run_ids", "Vendors=r1"));
            assertThat(rt.sandbox().databricks().jobRunParameters()).containsExactly(Map.of("tables", "Vendors", "run_ids", "Vendors=r1"));
            assertThatThrownBy(() -> rt.databricksClient().runNow(7001, "ml-connector-big", Map.of("tables", "x".repeat(10_001))))
                    .hasMessageContaining("400");
        }
    }
}
