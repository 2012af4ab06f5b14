package com.mlconnector.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.Replay;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.config.ConfigException;
import com.mlconnector.support.TestConnector;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A destination added as the README says: one class (FolderDestination, on the classpath), one route file
 * (routes/folder.yaml) and one line of configuration. Run end to end against the sandbox from a working folder of
 * its own; what it holds is compared with the landing database, which other tests hold against the source.
 */
class AddedDestinationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private Path out;

    @BeforeEach
    void lay() throws IOException {
        for (String folder : List.of("routes", "mappings", "events")) {
            Files.createDirectories(dir.resolve(folder));
            try (Stream<Path> files = Files.list(Path.of(folder))) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(folder).resolve(f.getFileName()));
                }
            }
        }
        out = dir.resolve("out");
    }

    private void withRouteFile() throws IOException {
        Files.copy(Path.of("src/test/resources/destinations/folder.yaml"), dir.resolve("routes/folder.yaml"));
    }

    private Properties properties() {
        Properties p = TestConnector.defaults();
        p.setProperty("destinations", FolderDestination.class.getName()); // the one line
        p.setProperty("folder.path", out.toString());
        p.setProperty("folder.tables", "Vendors");
        return p;
    }

    @Test
    void anAddedDestinationTakesItsTablesRowForRowWithDeletesAndFollowUps() throws Exception {
        withRouteFile();
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(dir, properties()))) {
            assertThat(rt.activeDestinations()).containsExactly("landing", "folder");
            rt.syncNow("VendorsV2", "test");
            rt.syncNow("MainAccounts", "test");

            assertThat(folderKeys("-deleted")).as("no deletes yet").isEmpty();
            assertThat(folderKeys("")).as("the folder holds what the landing holds")
                    .hasSize((int) rt.sandbox().rowCount("VendorsV2"))
                    .containsExactlyInAnyOrderElementsOf(landingKeys(rt));
            assertThat(out.resolve("GLAccounts")).as("a table it does not take").doesNotExist();
            assertThat(finished()).hasSize(1);
            assertThat(TestConnector.query(rt, "SELECT target_table, status FROM batch_audit WHERE destination = 'folder'"))
                    .isNotEmpty().allSatisfy(r -> assertThat(r).containsEntry("TARGET_TABLE", "Vendors").containsEntry("STATUS", "CONFIRMED"));
            // its health check, like every destination's
            assertThat(HealthCheckRegistry.get(rt.camelContext()).getCheck("destination-folder"))
                    .hasValueSatisfying(c -> assertThat(c.call().getState()).isEqualTo(HealthCheck.State.UP));

            // unchanged: nothing written again; the follow-up runs with every run
            long files = jsonlFiles("").size();
            rt.syncNow("VendorsV2", "test");
            assertThat(jsonlFiles("")).hasSize((int) files);
            assertThat(finished()).hasSize(2);

            // a vendor gone from F&O: its key is told as a delete, as the landing's row is deleted
            Set<String> before = landingKeys(rt);
            rt.sandbox().delete("VendorsV2", 0);
            rt.syncNow("VendorsV2", "test");
            Set<String> gone = new HashSet<>(before);
            gone.removeAll(landingKeys(rt));
            assertThat(gone).hasSize(1);
            assertThat(deletedKeys()).hasSize(1);
        }
    }

    @Test
    void aBatchTheAddedDestinationRefusesIsDeadLetteredAndReplayedThroughItsRoute() throws Exception {
        withRouteFile();
        Files.writeString(out, "a file where the folder should be"); // every write fails
        Properties p = properties();
        p.setProperty("retry.max-attempts", "2");
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(dir, p))) {
            try {
                rt.syncNow("VendorsV2", "test");
            } catch (RuntimeException expected) {
                // its follow-up fails too: the run is FAILED; the landing has every row
            }
            assertThat(TestConnector.count(rt, "Vendors")).isEqualTo(rt.sandbox().rowCount("VendorsV2"));
            List<String> dead = Replay.pending(rt.deadLetters());
            assertThat(dead).isNotEmpty();
            assertThat(rt.deadLetters().destinationOf(dead.get(0))).isEqualTo("folder");

            Files.delete(out);
            assertThat(rt.replay(dead)).allSatisfy(r -> assertThat(r.ok()).as(r.detail()).isTrue());
            assertThat(folderKeys("")).containsExactlyInAnyOrderElementsOf(landingKeys(rt));
            assertThat(rt.replay(dead)).as("replayed twice: the same files").allSatisfy(r -> assertThat(r.ok()).isTrue());
            assertThat(folderKeys("")).hasSize((int) rt.sandbox().rowCount("VendorsV2"));
        }
    }

    @Test
    void anAddedDestinationWithoutItsRouteFileStopsStartUpNamingTheRoute() {
        assertThatThrownBy(() -> ConnectorRuntime.start(RuntimeOptions.once(dir, properties())).close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("folder needs a route from direct:deliver-folder")
                .hasMessageContaining("direct:finish-folder");
    }

    @Test
    void aClassThatIsNotThereOrNotADestinationStopsStartUpNamingTheProperty() throws IOException {
        withRouteFile();
        Properties p = properties();
        p.setProperty("destinations", "com.example.NoSuchDestination");
        assertThatThrownBy(() -> ConnectorRuntime.start(RuntimeOptions.once(dir, p)).close())
                .isInstanceOf(ConfigException.class)
                .hasMessage("destinations: class com.example.NoSuchDestination was not found on the classpath nor in plugins/");
        p.setProperty("destinations", HealthCheckResultBuilder.class.getName());
        assertThatThrownBy(() -> ConnectorRuntime.start(RuntimeOptions.once(dir, p)).close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("destinations: " + HealthCheckResultBuilder.class.getName() + " does not implement");
        p.setProperty("destinations", Named.Changes.class.getName());
        assertThatThrownBy(() -> ConnectorRuntime.start(RuntimeOptions.once(dir, p)).close())
                .isInstanceOf(ConfigException.class).hasMessageContaining("is named 'changes', which the routes use for another bean");
        p.setProperty("destinations", Named.PowerBi.class.getName());
        assertThatThrownBy(() -> ConnectorRuntime.start(RuntimeOptions.once(dir, p)).close())
                .isInstanceOf(ConfigException.class).hasMessageContaining("is named 'powerbi', which another destination has");
        p.setProperty("destinations", FolderDestination.class.getName());
        p.remove("folder.path");
        assertThatThrownBy(() -> ConnectorRuntime.start(RuntimeOptions.once(dir, p)).close())
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("folder.path is not set");
    }

    /** Destinations whose names are taken: by a route bean, by a built-in destination. */
    public static final class Named {
        public static final class Changes implements Destination {
            @Override
            public String name() { return "changes"; }

            @Override
            public boolean takes(com.mlconnector.mapping.EntityMapping m) { return true; }
        }

        public static final class PowerBi implements Destination {
            @Override
            public String name() { return "powerbi"; }

            @Override
            public boolean takes(com.mlconnector.mapping.EntityMapping m) { return true; }
        }
    }

    private List<Path> jsonlFiles(String suffix) throws IOException {
        Path table = out.resolve("Vendors");
        if (!Files.isDirectory(table)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(table)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jsonl"))
                    .filter(f -> suffix.isEmpty() != f.getFileName().toString().endsWith("-deleted.jsonl")).toList();
        }
    }

    /** Company|VendorAccount of every row the folder holds. */
    private List<String> folderKeys(String suffix) throws IOException {
        List<String> keys = new ArrayList<>();
        for (Path f : jsonlFiles(suffix)) {
            for (String line : Files.readAllLines(f)) {
                JsonNode row = JSON.readTree(line);
                keys.add(suffix.isEmpty() ? row.get("Company").asText() + "|" + row.get("VendorAccount").asText() : row.get("key").asText());
            }
        }
        return keys;
    }

    private List<String> deletedKeys() throws IOException {
        return folderKeys("-deleted");
    }

    private List<Path> finished() throws IOException {
        try (Stream<Path> files = Files.list(out.resolve("Vendors"))) {
            return files.filter(f -> f.getFileName().toString().startsWith("finished-")).toList();
        }
    }

    private static Set<String> landingKeys(ConnectorRuntime rt) throws Exception {
        Set<String> keys = new HashSet<>();
        for (Map<String, Object> r : TestConnector.query(rt, "SELECT \"Company\", \"VendorAccount\" FROM \"Vendors\"")) {
            keys.add(r.get("Company") + "|" + r.get("VendorAccount"));
        }
        return keys;
    }
}
