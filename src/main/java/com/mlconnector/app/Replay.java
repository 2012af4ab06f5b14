package com.mlconnector.app;

import com.mlconnector.powerbi.PowerBiDestination;
import com.mlconnector.state.DeadLetters;
import com.mlconnector.sync.Batch;
import com.mlconnector.sync.DeliveryRecorder;
import org.apache.camel.ProducerTemplate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Re-delivers dead-lettered batches through the same write and record as a run; idempotent, so safe to repeat. */
public final class Replay {
    public record Outcome(String batchId, boolean ok, String detail) {
    }

    private Replay() {
    }

    public static List<Outcome> run(ConnectorRuntime rt, List<String> batchIds) throws Exception {
        List<Outcome> out = new ArrayList<>();
        java.util.Set<String> replacedInPowerBi = new java.util.HashSet<>();
        ProducerTemplate pt = rt.camelContext().createProducerTemplate();
        try {
            for (String id : batchIds) {
                try {
                    Batch dead = rt.deadLetters().load(id, rt.mappings());
                    if (PowerBiDestination.DESTINATION.equals(rt.deadLetters().destinationOf(id))) {
                        // a push table cannot take a batch twice safely: it is made whole from the landing database
                        if (replacedInPowerBi.contains(dead.mapping().table())) {
                            out.add(new Outcome(id, true, dead.mapping().table() + " was replaced in Power BI already"));
                            continue;
                        }
                        rt.powerBi().repairTable(dead.mapping().table(), "replay-" + id);
                        // the table is whole again: every dead letter of it for Power BI is answered
                        rt.deadLetters().markAllReplayed(dead.mapping().table(), PowerBiDestination.DESTINATION);
                        replacedInPowerBi.add(dead.mapping().table());
                        out.add(new Outcome(id, true, dead.mapping().table() + " replaced in Power BI from the landing database"));
                        continue;
                    }
                    Batch again = new Batch(UUID.randomUUID().toString(), dead.runId(), dead.mapping(), dead.sequence(),
                            dead.kind(), dead.rows(), dead.keys(), dead.hashes());
                    // the same destination it failed on: direct:replay-landing, direct:replay-databricks
                    String destination = rt.deadLetters().destinationOf(id);
                    pt.requestBodyAndHeaders("direct:replay-" + destination, again, Map.of(DeliveryRecorder.REPLAY_OF, id));
                    rt.deadLetters().markReplayed(id);
                    out.add(new Outcome(id, true, dead.size() + " rows of " + dead.mapping().table() + " (" + dead.kind() + ") re-delivered"));
                } catch (Exception e) {
                    Throwable c = e;
                    while (c.getCause() != null && c.getCause() != c) {
                        c = c.getCause();
                    }
                    out.add(new Outcome(id, false, c.getClass().getSimpleName() + ": " + c.getMessage()));
                }
            }
        } finally {
            pt.stop();
        }
        if (rt.tableau().settings().enabled && out.stream().anyMatch(Outcome::ok)) {
            // the replayed rows are in the landing tables now: the Tableau extracts that read them are refreshed
            for (String problem : rt.tableau().refreshOwed("replay-" + UUID.randomUUID())) {
                out.add(new Outcome("tableau", false, problem));
            }
        }
        return out;
    }

    public static List<String> pending(DeadLetters deadLetters) throws Exception {
        return deadLetters.list(true).stream().map(DeadLetters.Entry::batchId).toList();
    }
}
