package com.mlconnector.destination;

import com.mlconnector.mapping.EntityMapping;

/**
 * A place the connector delivers to, declared once. What it does is in its route file, {@code routes/<name>.yaml}:
 * <ul>
 *   <li>{@code direct:deliver-<name>}: one batch of rows (or of deletes) of a run, when it {@link #batches() takes
 *   batches}; a run hands each batch of an entity it {@link #takes takes} to its queue, and after a complete full
 *   read the keys F&O no longer has;</li>
 *   <li>{@code direct:replay-<name>}: a dead-lettered batch again (the {@code replay} command, catch-up), when it
 *   takes batches; it may set the header {@code replayAnswer} to say what it did;</li>
 *   <li>{@code direct:finish-<name>}: once at the end of a run of an entity it takes, when it
 *   {@link #finishes() finishes} (a refresh, a job).</li>
 * </ul>
 * The object is bound under its name, so those routes call it as a bean ({@code ref: <name>}). Change detection,
 * the delivery queues, the run ledger, status, health, gauges and MBeans take every destination from the
 * {@link DestinationRegistry}; a destination beside the built-in ones is one class named in the {@code destinations}
 * property (see {@link AddedDestinations}).
 */
public interface Destination {
    /** As routes, audit rows, metrics and the status page call it: lower case letters, digits and '-'. */
    String name();

    /** Switched on in the configuration (a destination switched off takes nothing and its calls are refused). */
    default boolean enabled() {
        return true;
    }

    /** Does it take this entity's rows (or, for a destination that only follows up, act on its runs)? */
    boolean takes(EntityMapping mapping);

    /** It takes batches of rows through {@code direct:deliver-<name>} (else it only follows up after a run). */
    default boolean batches() {
        return true;
    }

    /** It has a step at the end of each run of an entity it takes: {@code direct:finish-<name>}. */
    default boolean finishes() {
        return false;
    }
}
