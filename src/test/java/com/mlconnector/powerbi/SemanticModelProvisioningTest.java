package com.mlconnector.powerbi;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.powerbi.model.LandingSource;
import com.mlconnector.powerbi.model.ModelProvisioner;
import com.mlconnector.sandbox.FabricEmulator;
import com.mlconnector.sandbox.TmdlModel;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connector provisions its semantic model through the Fabric items API of the sandbox (its own token audience, the
 * fabric-http route, long-running operations followed to their end): made once from the mappings, found afterwards;
 * a model of that name someone else made is left as it is.
 */
class SemanticModelProvisioningTest {
    private static final LandingSource SOURCE = new LandingSource("db.example.com:5432", "finance", "public");

    @Test
    void theModelIsMadeOnceFromTheMappingsAndFoundAfterwards() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("powerbi.enabled", "true");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.sandbox().fabric().operationPollsRunning(2); // each operation answers Running twice before it ends
            ModelProvisioner provisioner = new ModelProvisioner(rt.fabricClient(), "Finance (ml-connector)", rt.mappings().all(), SOURCE);
            ModelProvisioner.Provisioned first = provisioner.ensure();
            assertThat(first.created()).isTrue();
            FabricEmulator.Model model = rt.sandbox().fabric().model("Finance (ml-connector)");
            assertThat(model.id()).isEqualTo(first.id());
            TmdlModel def = model.definition();
            assertThat(def.tables().keySet()).containsExactlyInAnyOrderElementsOf(rt.mappings().all().stream().map(EntityMapping::table).toList());
            assertThat(def.tables().get("GLEntries").partitions().get(0).source()).contains("PostgreSQL.Database(\"db.example.com:5432\", \"finance\")");
            assertThat(def.relationships()).hasSize(2);

            ModelProvisioner.Provisioned again = provisioner.ensure();
            assertThat(again).as("nothing changed: nothing rewritten").isEqualTo(new ModelProvisioner.Provisioned(first.id(), false, false, true));
            assertThat(rt.sandbox().fabric().definitionUpdates()).isZero();
            assertThat(rt.sandbox().fabric().modelNames()).containsOnlyOnce("Finance (ml-connector)");
        }
    }

    @Test
    void aModelOfThatNameSomeoneElseMadeIsNotTheConnectors() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("powerbi.enabled", "true");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            String id = rt.fabricClient().create("Sales", null, Map.of(
                    "definition.pbism", "{\"version\": \"4.0\", \"settings\": {}}",
                    "definition/database.tmdl", "database\n\tcompatibilityLevel: 1567\n",
                    "definition/model.tmdl", "model Model\n\tculture: en-US\n\tdefaultPowerBIDataSourceVersion: powerBI_V3\n"));
            ModelProvisioner.Provisioned found = new ModelProvisioner(rt.fabricClient(), "Sales", rt.mappings().all(), SOURCE).ensure();
            assertThat(found).isEqualTo(new ModelProvisioner.Provisioned(id, false, false, false));
            assertThat(rt.sandbox().fabric().definitionUpdates()).isZero();
        }
    }

    /**
     * The mappings gain a column and a table: the model follows them, and what was added in Power BI stays: a measure
     * and a calculated column on a table of the connector's, a table of someone's own, a relationship they drew.
     */
    @Test
    void aMappingThatGainsAColumnUpdatesTheModelAndKeepsWhatPeopleAdded() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("powerbi.enabled", "true");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            java.util.List<EntityMapping> before = rt.mappings().all().stream().filter(m -> !m.table().equals("Products")).toList();
            String id = new ModelProvisioner(rt.fabricClient(), "Finance", before, SOURCE).ensure().id();

            // someone works on the model in Power BI
            Map<String, String> def = new java.util.LinkedHashMap<>(rt.fabricClient().definition(id));
            def.put("definition/tables/GLEntries.tmdl", def.get("definition/tables/GLEntries.tmdl")
                    + "\n\tmeasure 'Total Amount' = SUM('GLEntries'[AmountAccounting])\n\t\tformatString: #,0.00\n"
                    + "\n\tcolumn Doubled = [AmountAccounting] * 2\n\t\tdataType: decimal\n");
            def.put("definition/tables/Budget.tmdl", "table Budget\n\tcolumn Amount\n\t\tdataType: decimal\n\t\tsourceColumn: Amount\n");
            def.put("definition/model.tmdl", def.get("definition/model.tmdl") + "ref table Budget\n");
            def.put("definition/relationships.tmdl", def.get("definition/relationships.tmdl")
                    + "\nrelationship theirs\n\tfromColumn: GLEntries.LedgerAccount\n\ttoColumn: GLAccounts.MainAccountId\n\tisActive: false\n");
            rt.fabricClient().updateDefinition(id, def);

            // the mappings now: Vendors gains a column, Products joins the model
            java.util.List<EntityMapping> after = new java.util.ArrayList<>();
            for (EntityMapping m : rt.mappings().all()) {
                if (!m.table().equals("Vendors")) {
                    after.add(m);
                    continue;
                }
                java.util.List<com.mlconnector.mapping.TargetColumn> cols = new java.util.ArrayList<>(m.columns());
                cols.add(new com.mlconnector.mapping.TargetColumn("VendorGroupAgain", com.mlconnector.mapping.ColumnType.STRING, "VendorGroupId", -1));
                after.add(new EntityMapping(m.entitySet(), m.table(), m.keySources(), cols, m.companyScoped(), m.schedule(), m.change()));
            }
            ModelProvisioner.Provisioned updated = new ModelProvisioner(rt.fabricClient(), "Finance", after, SOURCE).ensure();
            assertThat(updated).isEqualTo(new ModelProvisioner.Provisioned(id, false, true, true));

            TmdlModel model = rt.sandbox().fabric().model("Finance").definition();
            assertThat(model.tables().get("Vendors").column("VendorGroupAgain")).isNotNull();
            assertThat(model.tables()).containsKeys("Products", "Budget");
            assertThat(model.tables().get("GLEntries").measures()).extracting(TmdlModel.Measure::name).containsExactly("Total Amount");
            assertThat(model.tables().get("GLEntries").column("Doubled")).isNotNull();
            assertThat(model.relationships()).extracting(TmdlModel.Relationship::name).contains("theirs").hasSize(3);
        }
    }
}
