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
            assertThat(again).isEqualTo(new ModelProvisioner.Provisioned(first.id(), false, true));
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
            assertThat(found).isEqualTo(new ModelProvisioner.Provisioned(id, false, false));
            assertThat(rt.sandbox().fabric().definitionUpdates()).isZero();
        }
    }
}
