package com.mlconnector.powerbi;

import com.fasterxml.jackson.databind.JsonNode;
import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.sandbox.Sandbox;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Import mode end to end against the sandbox (Fabric items API, Power BI refreshes that read the landing database over
 * JDBC, executeQueries): the model is provisioned from the mappings, a sync --once of every table asks one enhanced
 * refresh naming the tables that changed, the refresh is proved by counts, and what goes wrong stays owed.
 */
class PowerBiImportModeTest {
    private static Properties importMode() {
        Properties p = TestConnector.defaults();
        p.setProperty("powerbi.enabled", "true");
        p.setProperty("powerbi.model", "import");
        p.setProperty("powerbi.dataset-name", "Finance");
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "3000");
        p.setProperty("sandbox.fno.rows.GeneralJournalEntryBiEntities", "1000");
        return p;
    }

    /** What `sync --once` does: every table with its follow-ups deferred, then each destination's asked once. */
    private static List<String> syncOnce(ConnectorRuntime rt) {
        for (EntityMapping m : rt.mappings().all()) {
            rt.syncNow(m.table(), "once", true);
        }
        return rt.followUps().askAll();
    }

    private static String metricsOrStatus(int port, String path) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static List<String> objects(JsonNode refreshBody) {
        List<String> out = new ArrayList<>();
        refreshBody.path("objects").forEach(o -> out.add(o.path("table").asText()));
        return out;
    }

    @Test
    void aSyncOfEveryTableProvisionsTheModelAndAsksOneRefreshNamingTheTablesThatChanged() throws Exception {
        Properties p = importMode();
        p.setProperty("powerbi.tables", "Vendors,GLAccounts,GLEntries,PurchaseOrders,Invoices");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            assertThat(syncOnce(rt)).isEmpty();
            Sandbox sb = rt.sandbox();
            String id = sb.fabric().model("Finance").id();
            assertThat(sb.fabric().model("Finance").definition().tables().keySet())
                    .containsExactlyInAnyOrder("Vendors", "GLAccounts", "GLEntries", "PurchaseOrders", "Invoices");
            assertThat(sb.powerBi().dataset("Finance").table("Vendors")).as("no push table").isNull();
            List<JsonNode> asked = sb.powerBi().refreshRequests();
            assertThat(asked).as("one refresh for the sync of every table").hasSize(1);
            assertThat(asked.get(0).path("commitMode").asText()).isEqualTo("transactional");
            assertThat(asked.get(0).has("notifyOption")).isFalse();
            assertThat(objects(asked.get(0))).containsExactlyInAnyOrder("Vendors", "GLAccounts", "GLEntries", "PurchaseOrders", "Invoices");
            for (String t : List.of("Vendors", "GLAccounts", "GLEntries", "PurchaseOrders", "Invoices")) {
                assertThat(sb.powerBi().modelRows(id, t)).as("the refresh read the landing table " + t).isEqualTo(TestConnector.count(rt, t));
            }
            assertThat(TestConnector.query(rt, "SELECT target_table, status, answer FROM batch_audit WHERE destination = 'powerbi' "
                    + "AND kind = 'REFRESH'")).hasSize(5).allSatisfy(r -> {
                        assertThat(r).containsEntry("STATUS", "CONFIRMED");
                        assertThat((String) r.get("ANSWER")).contains("as the landing table did");
                    });
            assertThat(rt.followUps().owed("powerbi")).isEmpty();

            // one vendor changes: the next sync refreshes Vendors alone
            sb.update("VendorsV2", 5, Map.of("VendorOrganizationName", "Changed for the import test"));
            assertThat(syncOnce(rt)).isEmpty();
            assertThat(sb.powerBi().refreshRequests()).hasSize(2);
            assertThat(objects(sb.powerBi().refreshRequests().get(1))).containsExactly("Vendors");

            // nothing changed: no refresh
            assertThat(syncOnce(rt)).isEmpty();
            assertThat(sb.powerBi().refreshRequests()).hasSize(2);
        }
    }

    @Test
    void aRefreshAlreadyRunningIsWaitedOutThenOursIsAsked() throws Exception {
        Properties p = importMode();
        p.setProperty("powerbi.tables", "Vendors,GLAccounts");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("Vendors", "test"); // provisions, refreshes Vendors and GLAccounts (a new model holds nothing)
            Sandbox sb = rt.sandbox();
            String id = sb.fabric().model("Finance").id();
            assertThat(sb.powerBi().refreshRequests()).hasSize(1);
            // someone starts a refresh of their own that takes 3 s; the next run's refresh must wait for it
            sb.powerBi().refreshTakes(Duration.ofSeconds(3));
            sb.powerBi().refreshBusyStatus(409);
            sb.powerBi().scheduledRefresh(id);
            sb.update("VendorsV2", 7, Map.of("VendorOrganizationName", "Changed while a refresh ran"));
            rt.syncNow("Vendors", "test");
            List<JsonNode> asked = sb.powerBi().refreshRequests();
            assertThat(asked).as("ours refused while the scheduled one ran (409), then asked again once it ended").hasSize(3);
            assertThat(objects(asked.get(1))).containsExactly("Vendors");
            assertThat(objects(asked.get(2))).containsExactly("Vendors");
            assertThat(sb.powerBi().dataset("Finance").refreshesAsked()).as("the first, the scheduled one, ours").isEqualTo(3);
            assertThat(rt.followUps().owed("powerbi")).isEmpty();
        }
    }

    @Test
    void aFailedRefreshIsOwedNamingTheCredentialsAndAskedAgainByTheNextRun() throws Exception {
        Properties p = importMode();
        p.setProperty("powerbi.tables", "Vendors,GLAccounts");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        p.setProperty("camel.management.enabled", "true");
        p.setProperty("camel.management.port", String.valueOf(port));
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            Sandbox sb = rt.sandbox();
            // the landing database's read account was changed (its password rotated) and the connector was not told
            sb.powerBi().reachSource(Sandbox.LANDING_SERVER, Sandbox.LANDING_DATABASE, rt.settings().landingJdbcUrl, "", "",
                    Sandbox.LANDING_READER, "rotated");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> rt.syncNow("Vendors", "test"))
                    .hasStackTraceContaining("powerbi.source-username and powerbi.source-password");
            assertThat(rt.followUps().owed("powerbi")).extracting(o -> o.table()).containsExactlyInAnyOrder("Vendors", "GLAccounts");
            assertThat(TestConnector.query(rt, "SELECT status FROM batch_audit WHERE kind = 'REFRESH'"))
                    .isNotEmpty().allSatisfy(r -> assertThat(r).containsEntry("STATUS", "FAILED"));
            // status, the status page and the metrics say what is owed and why
            assertThat(com.mlconnector.ops.StatusReport.followUpsOwed(rt.landing().dataSource()))
                    .containsPattern("powerbi +Vendors +run [0-9a-f-]+, waiting \\d+s; last try failed: Power BI could not sign in to "
                            + "the landing database; set its read account in powerbi.source-username and powerbi.source-password");
            JsonNode page = new com.fasterxml.jackson.databind.ObjectMapper().readTree(metricsOrStatus(rt.httpPort(), "/status.json"));
            assertThat(page.path("followUpsOwed")).extracting(n -> n.path("table").asText()).containsExactlyInAnyOrder("Vendors", "GLAccounts");
            assertThat(page.path("followUpsOwed").path(0).path("lastFailure").asText()).contains("could not sign in")
                    .contains("The credentials provided for the PostgreSql source");
            String owedGauge = metricsOrStatus(port, "/observe/metrics").lines()
                    .filter(l -> l.startsWith("mlconnector_follow_up_owed_seconds{destination=\"powerbi\",table=\"Vendors\"}"))
                    .findFirst().orElseThrow();
            assertThat(Double.parseDouble(owedGauge.substring(owedGauge.lastIndexOf(' ') + 1))).isGreaterThanOrEqualTo(0.0);

            // the account is right again: the next run of any table, with nothing new, refreshes what is owed
            sb.powerBi().reachSource(Sandbox.LANDING_SERVER, Sandbox.LANDING_DATABASE, rt.settings().landingJdbcUrl, "", "",
                    Sandbox.LANDING_READER, rt.powerBiSettings().sourcePassword);
            int asked = sb.powerBi().refreshRequests().size();
            rt.syncNow("Vendors", "test");
            List<Map<String, Object>> runs = TestConnector.runs(rt, "Vendors");
            assertThat(((Number) runs.get(runs.size() - 1).get("ROWS_WRITTEN")).longValue()).as("nothing new landed").isZero();
            assertThat(sb.powerBi().refreshRequests()).hasSize(asked + 1);
            assertThat(rt.followUps().owed("powerbi")).isEmpty();
            assertThat(com.mlconnector.ops.StatusReport.followUpsOwed(rt.landing().dataSource())).isEmpty();
            String id = sb.fabric().model("Finance").id();
            assertThat(sb.powerBi().modelRows(id, "Vendors")).isEqualTo(TestConnector.count(rt, "Vendors"));
        }
    }

    @Test
    void theCountCheckCatchesAModelThatHoldsFewerRowsThanTheLandingTable() throws Exception {
        Properties p = importMode();
        p.setProperty("powerbi.tables", "Vendors");
        String replica = "jdbc:h2:mem:replica-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        java.nio.file.Path script = java.nio.file.Files.createTempFile("vendors", ".sql");
        try (ConnectorRuntime rt = TestConnector.start(p); Connection keep = DriverManager.getConnection(replica)) {
            rt.syncNow("Vendors", "test");
            assertThat(rt.followUps().owed("powerbi")).isEmpty();
            // Power BI's gateway is moved to a replica that lags: it has 10 vendors fewer than the landing table
            try (Connection landing = rt.landing().dataSource().getConnection(); Statement st = landing.createStatement()) {
                st.execute("SCRIPT TO '" + script + "' TABLE \"Vendors\"");
            }
            try (Statement st = keep.createStatement()) {
                st.execute("RUNSCRIPT FROM '" + script + "'");
                st.execute("DELETE FROM \"Vendors\" WHERE \"VendorAccount\" IN (SELECT \"VendorAccount\" FROM \"Vendors\" "
                        + "ORDER BY 1 FETCH FIRST 10 ROWS ONLY)");
            }
            long lagging;
            try (Statement st = keep.createStatement(); java.sql.ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM \"Vendors\"")) {
                rs.next();
                lagging = rs.getLong(1);
            }
            Sandbox sb = rt.sandbox();
            sb.powerBi().reachSource(Sandbox.LANDING_SERVER, Sandbox.LANDING_DATABASE, replica, "", "",
                    Sandbox.LANDING_READER, rt.powerBiSettings().sourcePassword);
            sb.update("VendorsV2", 3, Map.of("VendorOrganizationName", "Changed for the count check"));
            long landed = TestConnector.count(rt, "Vendors");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> rt.syncNow("Vendors", "test"))
                    .hasStackTraceContaining(String.format("Vendors (model %,d, landing %,d)", lagging, landed));
            assertThat(lagging).isLessThanOrEqualTo(landed - 10);
            assertThat(rt.followUps().owed("powerbi")).extracting(o -> o.table()).containsExactly("Vendors");
            assertThat(TestConnector.query(rt, "SELECT status, answer FROM batch_audit WHERE kind = 'REFRESH' ORDER BY finished_at DESC"))
                    .first().satisfies(r -> {
                        assertThat(r).containsEntry("STATUS", "FAILED");
                        assertThat((String) r.get("ANSWER")).contains(String.format("the landing table held %,d", landed));
                    });
        } finally {
            java.nio.file.Files.deleteIfExists(script);
        }
    }

    @Test
    void onSharedCapacityTheWholeModelIsRefreshedAtMostEightTimesADay() throws Exception {
        Properties p = importMode();
        p.setProperty("powerbi.tables", "Vendors,GLAccounts");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            Sandbox sb = rt.sandbox();
            sb.powerBi().sharedCapacity(true);
            rt.syncNow("Vendors", "test");
            List<JsonNode> asked = sb.powerBi().refreshRequests();
            assertThat(asked).as("enhanced refused, then the whole model").hasSize(2);
            assertThat(objects(asked.get(0))).isNotEmpty();
            assertThat(asked.get(1).path("notifyOption").asText()).isEqualTo("NoNotification");
            assertThat(asked.get(1).size()).isEqualTo(1);
            String id = sb.fabric().model("Finance").id();
            assertThat(sb.powerBi().modelRows(id, "Vendors")).isEqualTo(TestConnector.count(rt, "Vendors"));
            assertThat(rt.followUps().owed("powerbi")).isEmpty();

            for (int i = 0; i < 7; i++) {
                sb.powerBi().scheduledRefresh(id); // Power BI's own schedule counts against the 8 too
            }
            sb.update("VendorsV2", 9, Map.of("VendorOrganizationName", "Changed past the day's refreshes"));
            String why;
            try {
                rt.syncNow("Vendors", "test");
                why = String.valueOf(TestConnector.runs(rt, "Vendors").get(1).get("ERROR_MESSAGE"));
            } catch (RuntimeException e) {
                java.io.StringWriter trace = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(trace));
                why = trace.toString();
            }
            assertThat(why).contains("powerbi.refreshes-per-day");
            assertThat(sb.powerBi().refreshRequests()).as("nothing asked past the budget").hasSize(2);
            assertThat(sb.powerBi().dataset("Finance").refreshesAsked()).isEqualTo(8);
            assertThat(rt.followUps().owed("powerbi")).extracting(o -> o.table()).containsExactly("Vendors");
        }
    }

    private static com.mlconnector.app.ConnectorChecks.Result powerBiCheck(ConnectorRuntime rt) {
        return com.mlconnector.app.ConnectorChecks.run(rt).stream().filter(r -> r.name().startsWith("Power BI workspace"))
                .findFirst().orElseThrow();
    }

    /** check says, in import mode, whether the model is to come, the connector's, or someone else's; in push mode it warns. */
    @Test
    void checkSaysWhoseTheModelIsAndWarnsOfPushRetirement() throws Exception {
        Properties p = importMode();
        p.setProperty("powerbi.tables", "Vendors");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            var before = powerBiCheck(rt);
            assertThat(before.toString()).startsWith("OK    Power BI workspace").contains("(import mode")
                    .contains("semantic model 'Finance' will be provisioned from the mappings on the first run");
            assertThat(rt.sandbox().fabric().modelNames()).as("check makes nothing").isEmpty();
            rt.syncNow("Vendors", "test");
            String id = rt.sandbox().fabric().model("Finance").id();
            assertThat(powerBiCheck(rt).detail()).contains("semantic model 'Finance' (" + id + ") made by the connector; in step with the mappings")
                    .doesNotContain("owed");
        }
        p.setProperty("powerbi.dataset-name", "Sales");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            String theirs = rt.fabricClient().create("Sales", null, Map.of(
                    "definition.pbism", "{\"version\": \"4.0\", \"settings\": {}}",
                    "definition/database.tmdl", "database\n\tcompatibilityLevel: 1567\n",
                    "definition/model.tmdl", "model Model\n\tculture: en-US\n\tdefaultPowerBIDataSourceVersion: powerBI_V3\n"));
            assertThat(powerBiCheck(rt).detail()).contains("semantic model 'Sales' (" + theirs + ") was not made by the connector: "
                    + "it is refreshed, never rewritten");
        }
        p.setProperty("powerbi.model", "push");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            var push = powerBiCheck(rt);
            assertThat(push.toString()).startsWith("WARN  Power BI workspace").contains("(push mode)")
                    .contains("cannot be created after 2027-10-31").contains("powerbi.model=import");
            assertThat(push.ok()).as("a warning does not fail check").isTrue();
        }
    }
}
