package com.mlconnector.destination;

import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.sync.EntitySync;
import com.mlconnector.sync.RunLedger;
import org.apache.camel.Exchange;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Route bean {@code destinations}: every destination, declared once, landing first (then the built-in ones, then
 * those added through the {@code destinations} property). Change detection, the delivery queues, the sync route's
 * deletes and follow-ups, the status page, health, gauges and MBeans all take the list from here.
 */
public final class DestinationRegistry {
    /** The landing database: takes every entity's batches; Tableau's data sources read it. */
    public static final Destination LANDING = new Destination() {
        @Override
        public String name() {
            return RunLedger.DESTINATION;
        }

        @Override
        public boolean takes(EntityMapping mapping) {
            return true;
        }
    };

    private final List<Destination> destinations;

    public DestinationRegistry(List<Destination> destinations) {
        if (destinations.isEmpty() || !destinations.get(0).name().equals(RunLedger.DESTINATION)) {
            throw new IllegalArgumentException("the landing database is the first destination");
        }
        this.destinations = List.copyOf(destinations);
    }

    /** Every destination declared, switched on or not. */
    public List<Destination> all() {
        return destinations;
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
        destinations.stream().filter(Destination::batches).forEach(d -> out.put(d.name(), m -> d.enabled() && d.takes(m)));
        return out;
    }

    /** Does the destination take the entity? (false for a destination not declared or switched off) */
    public boolean takes(String destination, EntityMapping m) {
        return destinations.stream().anyMatch(d -> d.name().equals(destination) && d.enabled() && d.takes(m));
    }

    /**
     * The routes the destinations switched on need and the route files do not have ({@code hasRoute} says whether a
     * route consumes a {@code direct:} name): each as "name needs a route from direct:…".
     */
    public List<String> missingRoutes(Predicate<String> hasRoute) {
        List<String> missing = new java.util.ArrayList<>();
        for (Destination d : destinations) {
            if (!d.enabled() || d == LANDING) {
                continue;
            }
            List<String> needed = new java.util.ArrayList<>();
            if (d.batches()) {
                needed.add("deliver-" + d.name());
                needed.add("replay-" + d.name());
            }
            if (d.finishes()) {
                needed.add("finish-" + d.name());
            }
            needed.stream().filter(r -> !hasRoute.test(r)).forEach(r -> missing.add(d.name() + " needs a route from direct:" + r));
        }
        return missing;
    }

    /** The sync route's deletes: the destinations switched on that take this run's entity's batches, in order. */
    public List<String> batchDestinationsOf(Exchange exchange) {
        EntityMapping m = exchange.getProperty(RunLedger.SYNC, EntitySync.class).getMapping();
        return destinations.stream().filter(d -> d.enabled() && d.batches() && d.takes(m)).map(Destination::name).toList();
    }

    /** The sync route's follow-ups: the destinations switched on with a finish step that take this run's entity. */
    public List<String> followUps(Exchange exchange) {
        EntityMapping m = exchange.getProperty(RunLedger.SYNC, EntitySync.class).getMapping();
        return destinations.stream().filter(d -> d.enabled() && d.finishes() && d.takes(m)).map(Destination::name).toList();
    }

    /** How many follow-ups this run has (the sync route's loop). */
    public int followUpCount(Exchange exchange) {
        return followUps(exchange).size();
    }

    /** The follow-up of the sync route's loop at its current index (CamelLoopIndex). */
    public String followUp(Exchange exchange) {
        return followUps(exchange).get(exchange.getProperty(Exchange.LOOP_INDEX, Integer.class));
    }
}
