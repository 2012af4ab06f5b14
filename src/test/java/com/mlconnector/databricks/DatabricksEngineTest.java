package com.mlconnector.databricks;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.MappingLoader;
import com.mlconnector.sandbox.DatabricksWarehouse;
import com.mlconnector.sandbox.H2Warehouse;
import com.mlconnector.support.TestConnector;
import com.mlconnector.support.spark.SparkWarehouse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every statement form the Databricks destination sends, run on the engine Databricks SQL warehouses run: Apache
 * Spark SQL 4.0.1 with Delta Lake 4.0.1 in local mode, ANSI on (a JVM of its own). The sandbox's light H2 warehouse
 * must agree with it on what is refused.
 */
class DatabricksEngineTest {
    @TempDir
    static Path dir;
    private static SparkWarehouse spark;
    private static H2Warehouse h2;
    private static EntityMapping mapping;

    @BeforeAll
    static void engines() throws Exception {
        spark = new SparkWarehouse("contract");
        h2 = new H2Warehouse("main.contract");
        mapping = MappingLoader.load(Files.writeString(dir.resolve("types.yaml"), """
                entity: Things
                table: Things
                key: [dataAreaId, Id]
                columns:
                  - { name: Company, source: dataAreaId, type: string }
                  - { name: Id, source: Id, type: long }
                  - { name: Name, source: Name, type: string }
                  - { name: Status, source: Status, type: enum }
                  - { name: Count, source: Count, type: int }
                  - { name: Amount, source: Amount, type: decimal }
                  - { name: Active, source: Active, type: boolean }
                  - { name: Modified, source: Modified, type: datetime }
                  - { name: Booked, source: Booked, type: date }
                """));
    }

    @AfterAll
    static void close() {
        spark.close();
        h2.close();
    }

    private static Object[] row(String company, long id, String name, BigDecimal amount) {
        return new Object[] {company, id, name, "Open", 3, amount, Boolean.TRUE,
            OffsetDateTime.parse("2026-11-30T09:15:00Z"), LocalDate.parse("2026-11-30")};
    }

    private static List<DatabricksWarehouse.Param> params(List<DatabricksClient.Param> ps) {
        return ps.stream().map(p -> new DatabricksWarehouse.Param(p.name(), p.type(), p.value())).toList();
    }

    /** Runs on both engines; returns Spark's result, having checked that both accepted it or both refused it. */
    private static List<List<String>> onBoth(String sql, List<DatabricksClient.Param> ps) {
        String sparkRefusal = null;
        String h2Refusal = null;
        List<List<String>> result = null;
        try {
            result = spark.execute(sql, params(ps));
        } catch (Exception e) {
            sparkRefusal = e.getMessage();
        }
        try {
            h2.execute(sql, params(ps));
        } catch (Exception e) {
            h2Refusal = e.getMessage();
        }
        assertThat(h2Refusal == null).as("the sandbox warehouse and Spark agree on " + sql.substring(0, Math.min(120, sql.length()))
                + "\nSpark: " + sparkRefusal + "\nH2: " + h2Refusal).isEqualTo(sparkRefusal == null);
        if (sparkRefusal != null) {
            throw new AssertionError("refused by both: " + sparkRefusal);
        }
        return result;
    }

    @Test
    void everyStatementFormTheConnectorSendsRunsOnSparkAndDelta() throws Exception {
        onBoth(DatabricksSql.createTable(mapping, true), List.of());
        onBoth(DatabricksSql.createTable(mapping, true), List.of()); // IF NOT EXISTS: a retry changes nothing
        assertThat(onBoth("SHOW COLUMNS IN `Things`", List.of())).extracting(r -> r.get(0))
                .containsExactly("Company", "Id", "Name", "Status", "Count", "Amount", "Active", "Modified", "Booked", "_deleted");

        List<Object[]> rows = new ArrayList<>();
        rows.add(row("usmf", 1, "O'Brien & Søn \\ \"quoted\" 東京商事", new BigDecimal("1234.5")));
        rows.add(row("usmf", 2, null, new BigDecimal("-0.000001")));
        rows.add(row("demf", 1, "", null));
        Object[] allNull = row("gbsi", 9, null, null);
        for (int c = 2; c < allNull.length; c++) {
            allNull[c] = null; // a column of NULLs in a statement still has its type
        }
        rows.add(allNull);
        List<DatabricksSql.Stmt> merges = DatabricksSql.merge(mapping, rows, 3, true);
        assertThat(merges).hasSize(2);
        for (DatabricksSql.Stmt s : merges) {
            onBoth(s.text(), s.params());
        }
        for (DatabricksSql.Stmt s : merges) {
            onBoth(s.text(), s.params()); // the same MERGE again: idempotent
        }
        assertThat(spark.execute("SELECT COUNT(*) FROM `Things`", List.of())).containsExactly(List.of("4"));
        assertThat(spark.execute("SELECT `Name`, `Amount`, `Active`, `Booked` FROM `Things` WHERE `Company` = 'usmf' AND `Id` = 1", List.of()))
                .containsExactly(List.of("O'Brien & Søn \\ \"quoted\" 東京商事", "1234.500000", "true", "2026-11-30"));

        // an update in place
        List<Object[]> changed = List.<Object[]>of(row("usmf", 2, "renamed", new BigDecimal("7")));
        for (DatabricksSql.Stmt s : DatabricksSql.merge(mapping, changed, 500, true)) {
            onBoth(s.text(), s.params());
        }
        assertThat(spark.execute("SELECT `Name`, `Amount` FROM `Things` WHERE `Id` = 2", List.of()))
                .containsExactly(List.of("renamed", "7.000000"));

        // soft delete, then hard delete, by key
        List<Object[]> keys = List.<Object[]>of(new Object[] {"demf", 1L, null, null, null, null, null, null, null});
        for (DatabricksSql.Stmt s : DatabricksSql.delete(mapping, keys, 500, true)) {
            onBoth(s.text(), s.params());
        }
        assertThat(spark.execute("SELECT `_deleted` FROM `Things` WHERE `Company` = 'demf'", List.of())).containsExactly(List.of("true"));
        for (DatabricksSql.Stmt s : DatabricksSql.delete(mapping, keys, 500, false)) {
            onBoth(s.text(), s.params());
        }
        assertThat(spark.execute("SELECT COUNT(*) FROM `Things`", List.of())).containsExactly(List.of("3"));

        // the mapping gains a column: ALTER TABLE … ADD COLUMNS
        EntityMapping wider = MappingLoader.load(Files.writeString(dir.resolve("wider.yaml"),
                Files.readString(dir.resolve("types.yaml")) + "  - { name: Note, source: Note, type: string }\n"));
        onBoth(DatabricksSql.addColumns(wider, List.of(wider.columns().get(9))), List.of());
        assertThat(onBoth("SHOW COLUMNS IN `Things`", List.of())).extracting(r -> r.get(0)).contains("Note");
        onBoth("SELECT 1", List.of()); // what `check` sends
    }

    @Test
    void theBulkPathsStatementsRunOnSparkAndDelta() throws Exception {
        EntityMapping bulk = MappingLoader.load(Files.writeString(dir.resolve("bulk.yaml"),
                Files.readString(dir.resolve("types.yaml")).replace("table: Things", "table: BulkThings")));
        Path volumes = Files.createDirectories(dir.resolve("volumes"));
        spark.mountVolumes(volumes);
        h2.mountVolumes(volumes);
        String folder = "/Volumes/main/contract/staging/ml-connector/BulkThings/20261202T000000000Z-run";
        Path local = Files.createDirectories(volumes.resolve(folder.substring("/Volumes/".length())));
        Object[] allNull = row("gbsi", 9, null, null);
        for (int c = 2; c < allNull.length; c++) {
            allNull[c] = null;
        }
        // batch 1 and batch 2 both hold usmf/1 (a key read twice): the later one must win
        Files.write(local.resolve("000001.json"), DatabricksBulkLoad.ndjson(com.mlconnector.sync.Batch.read("run", bulk, 1, List.of(
                row("usmf", 1, "first read", new BigDecimal("1")), row("usmf", 2, "O'Brien & Søn \\ \"q\" 東京", new BigDecimal("1234.5"))))));
        Files.write(local.resolve("000002.json"), DatabricksBulkLoad.ndjson(com.mlconnector.sync.Batch.read("run", bulk, 2, List.of(
                row("usmf", 1, "read again", new BigDecimal("-0.000001")), allNull))));

        onBoth(DatabricksSql.createTable(bulk, false), List.of());
        String staging = "_mlc_stage_BulkThings_run";
        for (int round = 0; round < 2; round++) { // everything again, as after a crash between the steps: nothing changes
            onBoth(DatabricksSql.createStaging(bulk, staging), List.of());
            onBoth(DatabricksSql.copyInto(staging, folder), List.of());
            onBoth(DatabricksSql.mergeStaged(bulk, staging, false), List.of());
        }
        onBoth(DatabricksSql.dropStaging(staging), List.of());
        onBoth(DatabricksSql.dropStaging(staging), List.of()); // IF EXISTS: a repeated clean-up is no error
        String select = "SELECT `Company`, `Id`, `Name`, `Status`, `Count`, `Amount`, `Active`, `Modified`, `Booked` FROM `BulkThings` "
                + "ORDER BY `Company`, `Id`";
        List<List<String>> landed = spark.execute(select, List.of());
        assertThat(landed).hasSize(3);
        assertThat(landed.get(0)).containsExactly("gbsi", "9", null, null, null, null, null, null, null);
        assertThat(landed.get(1).subList(0, 7)).containsExactly("usmf", "1", "read again", "Open", "3", "-0.000001", "true");
        assertThat(landed.get(1).get(7)).as("the timestamp, whatever the engine's zone").startsWith("2026-11-30");
        assertThat(landed.get(1).get(8)).isEqualTo("2026-11-30");
        assertThat(landed.get(2).get(2)).isEqualTo("O'Brien & Søn \\ \"q\" 東京");
        assertThat(h2.query("SELECT \"Name\" FROM \"BulkThings\" ORDER BY \"Company\", \"Id\""))
                .extracting(r -> r.get("Name")).containsExactly(null, "read again", "O'Brien & Søn \\ \"q\" 東京");
        assertThat(spark.execute("SHOW TABLES LIKE '_mlc_stage*'", List.of())).as("staging tables left").isEmpty();
    }

    @Test
    void whatDatabricksRefusesIsRefusedByBoth() {
        onBoth(DatabricksSql.createTable(mapping, false).replace("`Things`", "`Refused`"), List.of());
        // the MERGE the connector used to send: a column list on the source alias
        String aliased = "MERGE INTO `Refused` AS t USING (VALUES (:a, :b)) AS s(`Company`, `Id`) ON t.`Company` = s.`Company` "
                + "AND t.`Id` = s.`Id` WHEN NOT MATCHED THEN INSERT (`Company`, `Id`) VALUES (s.`Company`, s.`Id`)";
        List<DatabricksClient.Param> ps = List.of(new DatabricksClient.Param("a", "usmf", "STRING"),
                new DatabricksClient.Param("b", "1", "BIGINT"));
        for (String sql : List.of(aliased, "SELECT * FROM `NoSuchTable`", "SELECT :unbound")) {
            String sparkRefusal = refusal(() -> spark.execute(sql, params(ps)));
            String h2Refusal = refusal(() -> h2.execute(sql, params(ps)));
            assertThat(sparkRefusal).as("Spark refuses " + sql).isNotNull();
            assertThat(h2Refusal).as("the sandbox refuses " + sql).isNotNull();
        }
        assertThat(refusal(() -> spark.execute(aliased, params(ps)))).contains("COLUMN_ALIASES_NOT_ALLOWED");
        assertThat(refusal(() -> h2.execute(aliased, params(ps)))).contains("COLUMN_ALIASES_NOT_ALLOWED");
    }

    private interface Call {
        void run() throws Exception;
    }

    private static String refusal(Call c) {
        try {
            c.run();
            return null;
        } catch (Exception e) {
            return String.valueOf(e.getMessage());
        }
    }

    @Test
    void theConnectorLoadsUpdatesAndDeletesThroughTheStatementApiOnSpark() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("databricks.enabled", "true");
        p.setProperty("databricks.rows-per-statement", "250");
        p.setProperty("databricks.statement-timeout-seconds", "180");
        p.setProperty("sandbox.databricks.engine", SparkWarehouse.class.getName());
        // Vendors (600 rows, read whole every run) takes the bulk path, GLAccounts (150) the MERGE statements
        p.setProperty("databricks.bulk-threshold-rows", "500");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            DatabricksWarehouse engine = rt.sandbox().databricks().engine();
            rt.syncNow("Vendors", "test");
            assertThat(engine.execute("SELECT COUNT(*) FROM `Vendors`", List.of())).containsExactly(List.of("600"));
            assertThat(rt.sandbox().databricks().submissions()).filteredOn(x -> x.statement().startsWith("COPY INTO")).hasSize(1);
            rt.syncNow("GLAccounts", "test");
            assertThat(engine.execute("SELECT COUNT(*) FROM `GLAccounts`", List.of())).containsExactly(List.of("150"));

            rt.sandbox().update("VendorsV2", 10, Map.of("VendorOrganizationName", "Quote ' and \\ backslash \"x\""));
            rt.sandbox().delete("VendorsV2", 11);
            rt.syncNow("Vendors", "test");
            assertThat(engine.execute("SELECT COUNT(*) FROM `Vendors`", List.of())).containsExactly(List.of("599"));

            // Spark's table equals the landing table, row for row
            Map<String, String> landed = new LinkedHashMap<>();
            for (Map<String, Object> r : TestConnector.query(rt, "SELECT \"Company\", \"VendorAccount\", \"VendorName\", \"CreditLimit\" "
                    + "FROM \"Vendors\" ORDER BY \"Company\", \"VendorAccount\"")) {
                landed.put(r.get("Company") + "|" + r.get("VendorAccount"), r.get("VendorName") + "|"
                        + (r.get("CreditLimit") == null ? null : ((BigDecimal) r.get("CreditLimit")).stripTrailingZeros().toPlainString()));
            }
            Map<String, String> delta = new LinkedHashMap<>();
            for (List<String> r : engine.execute("SELECT `Company`, `VendorAccount`, `VendorName`, `CreditLimit` FROM `Vendors` "
                    + "ORDER BY `Company`, `VendorAccount`", List.of())) {
                delta.put(r.get(0) + "|" + r.get(1), r.get(2) + "|" + (r.get(3) == null ? null : new BigDecimal(r.get(3)).stripTrailingZeros().toPlainString()));
            }
            assertThat(delta).isEqualTo(landed);
            assertThat(delta.get("usmf|V-000011")).startsWith("Quote ' and \\ backslash \"x\"|");
            assertThat(rt.sandbox().databricks().volumes().files("/Volumes/main/finance/staging")).as("staged files left").isEmpty();
            assertThat(Stream.of(TestConnector.runs(rt, "Vendors").toArray())).hasSize(2);
            assertThat(TestConnector.runs(rt, "Vendors")).allSatisfy(r -> assertThat(r).containsEntry("STATUS", "SUCCEEDED"));
        }
    }
}
