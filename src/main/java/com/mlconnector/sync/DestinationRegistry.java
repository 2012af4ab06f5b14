package com.mlconnector.sync;

import com.mlconnector.mapping.EntityMapping;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Every destination, declared once, landing first: whether it is switched on, which entities it takes, and whether
 * it takes batches (through its own queue and its {@code direct:deliver-<name>} route in routes/sync.yaml) or only
 * follows up after a run (Tableau's extract refresh). Change detection, the delivery queues, the status page, health,
 * gauges and MBeans all take the list from here.
 */
public final class DestinationRegistry {
    /**
     * @param name    as routes, audit rows, metrics and the status page call it
     * @param enabled switched on in the configuration
     * @param takes   the entities it takes (false for every entity while it is switched off)
     * @param batches it takes batches of rows (else it follows up after a run)
     */
    public record Destination(String name, boolean enabled, Predicate<EntityMapping> takes, boolean batches) {
    }

    private final List<Destination> destinations;

    public DestinationRegistry(List<Destination> destinations) {
        if (destinations.isEmpty() || !destinations.get(0).name().equals(RunLedger.DESTINATION)) {
            throw new IllegalArgumentException("the landing database is the first destination");
        }
        this.destinations = List.copyOf(destinations);
    }

    /** The destinations switched on, landing first. */
    public List<String> active() {
        return destinations.stream().filter(Destination::enabled).map(Destination::name).toList();
    }

    /** The destinations that take batches and are switched on, in order: each has a queue of its own in a run. */
    public List<String> activeBatchDestinations() {
        return destinations.stream().filter(d -> d.enabled() && d.batches()).map(Destination::name).toList();
    }

    /** Every destination that takes batches, with the entities it takes (none while switched off). */
    public Map<String, Predicate<EntityMapping>> batchDestinations() {
        Map<String, Predicate<EntityMapping>> out = new LinkedHashMap<>();
        destinations.stream().filter(Destination::batches).forEach(d -> out.put(d.name(), d.takes()));
        return out;
    }

    /** Does the destination take the entity? (false for a destination not declared) */
    public boolean takes(String destination, EntityMapping m) {
        return destinations.stream().anyMatch(d -> d.name().equals(destination) && d.takes().test(m));
    }
}
