package com.mlconnector.ops;

import com.mlconnector.sync.Mappings;
import org.apache.camel.Exchange;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Entities an operator paused (JMX): their schedule does not start runs and their business events wait, until
 * resumed. Kept in memory: a restart resumes everything (the log says so on pause).
 */
public final class Pauses {
    private final Set<String> paused = ConcurrentHashMap.newKeySet();
    private final Mappings mappings;

    public Pauses(Mappings mappings) {
        this.mappings = mappings;
    }

    /** The scheduled route's filter: false while the entity in the header {@code entity} is paused. */
    public boolean allows(Exchange exchange) {
        return !isPaused(mappings.get(exchange.getMessage().getHeader("entity", String.class)).table());
    }

    public void pause(String table) {
        paused.add(table);
    }

    public void resume(String table) {
        paused.remove(table);
    }

    public boolean isPaused(String table) {
        return paused.contains(table);
    }
}
