package com.mlconnector.ops;

import com.mlconnector.config.ConnectorSettings;
import com.mlconnector.landing.LandingDatabase;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.state.DeadLetters;
import com.mlconnector.state.TableLeases;
import com.mlconnector.sync.Mappings;

import java.util.List;

/**
 * What operations (health, MBeans, gauges, the status page) see of the running connector and may ask of it. The
 * running connector (app.ConnectorRuntime) implements it; ops depends on this and never on the app package.
 */
public interface OperatedConnector {
    Mappings mappings();

    /** The state (and landing) database. */
    LandingDatabase landing();

    ConnectorSettings settings();

    /** The destinations switched on, landing first. */
    List<String> activeDestinations();

    /** Does the destination take the entity? */
    boolean takes(String destination, EntityMapping m);

    Pauses pauses();

    DeadLetters deadLetters();

    TableLeases leases();

    /** F&O's OData service root ({d365.url}/data). */
    String fnoServiceRoot();

    /** True when running against the in-process sandbox (no d365.url). */
    boolean sandboxed();

    /** Starts a run of one entity on a thread of its own; returns its run id at once. */
    String startSync(String entity, String trigger);

    /** Re-delivers these dead letters; one line per batch saying what happened (ok first). */
    List<ReplayResult> replay(List<String> batchIds) throws Exception;

    /** What a replay did with one dead letter. */
    record ReplayResult(String batchId, boolean ok, String detail) {
    }
}
