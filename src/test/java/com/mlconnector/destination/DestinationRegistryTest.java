package com.mlconnector.destination;

import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.MappingLoader;
import com.mlconnector.sync.EntitySync;
import com.mlconnector.sync.RunLedger;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The registry's answers the sync route, the queues and start-up ask for, from declared destinations. */
class DestinationRegistryTest {
    /** A destination as declared: its name, switched on, tables, batches, follow-up. */
    private record Declared(String name, boolean enabled, Set<String> tables, boolean batches, boolean finishes) implements Destination {
        @Override
        public boolean takes(EntityMapping m) {
            return tables.contains(m.table());
        }
    }

    private final List<EntityMapping> mappings = MappingLoader.loadAll(Path.of("mappings"));
    private final DestinationRegistry registry = new DestinationRegistry(List.of(DestinationRegistry.LANDING,
            new Declared("powerbi", true, Set.of("GLEntries", "Vendors"), true, true),
            new Declared("databricks", false, Set.of("GLEntries", "Vendors"), true, true),  // switched off
            new Declared("tableau", true, Set.of("Vendors"), false, true),
            new Declared("folder", true, Set.of("Vendors", "GLAccounts"), true, false)));

    private Exchange runOf(String table) {
        EntityMapping m = mappings.stream().filter(x -> x.table().equals(table)).findFirst().orElseThrow();
        Exchange e = new DefaultExchange(new DefaultCamelContext());
        e.setProperty(RunLedger.SYNC, new EntitySync("run-1", m, 10_000));
        return e;
    }

    @Test
    void aRunsDeletesAndFollowUpsGoToTheDestinationsSwitchedOnThatTakeItsTableInTheirOrder() {
        Exchange vendors = runOf("Vendors");
        assertThat(registry.batchDestinationsOf(vendors)).containsExactly("landing", "powerbi", "folder");
        assertThat(registry.followUps(vendors)).containsExactly("powerbi", "tableau");
        assertThat(registry.followUpCount(vendors)).isEqualTo(2);
        vendors.setProperty(Exchange.LOOP_INDEX, 1);
        assertThat(registry.followUp(vendors)).isEqualTo("tableau");

        Exchange accounts = runOf("GLAccounts");
        assertThat(registry.batchDestinationsOf(accounts)).containsExactly("landing", "folder");
        assertThat(registry.followUps(accounts)).isEmpty();
    }

    @Test
    void aDestinationSwitchedOffTakesNothingAndIsNotActive() {
        EntityMapping gl = mappings.stream().filter(x -> x.table().equals("GLEntries")).findFirst().orElseThrow();
        assertThat(registry.active()).containsExactly("landing", "powerbi", "tableau", "folder");
        assertThat(registry.activeBatchDestinations()).containsExactly("landing", "powerbi", "folder");
        assertThat(registry.takes("databricks", gl)).isFalse();
        assertThat(registry.batchDestinations().get("databricks").test(gl)).isFalse();
        assertThat(registry.batchDestinations()).doesNotContainKey("tableau"); // it takes no batches
    }

    @Test
    void theRoutesEachDestinationNeedsAreNamedWhenMissing() {
        Predicate<String> routes = Set.of("deliver-powerbi", "finish-powerbi", "finish-tableau", "deliver-folder")::contains;
        // Databricks is switched off, so nothing is asked of it
        assertThat(registry.missingRoutes(routes)).containsExactly("powerbi needs a route from direct:replay-powerbi",
                "folder needs a route from direct:replay-folder");
    }

    @Test
    void theLandingDatabaseComesFirst() {
        assertThatThrownBy(() -> new DestinationRegistry(List.of(new Declared("folder", true, Set.of(), true, false))))
                .hasMessageContaining("landing database is the first");
    }
}
