package com.mlconnector.app;

import com.mlconnector.state.DeadLetters;
import com.mlconnector.sync.Batch;
import com.mlconnector.sync.DeliveryRecorder;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Re-delivers dead-lettered batches through the same write and record as a run; idempotent, so safe to repeat. */
public final class Replay {
    public record Outcome(String batchId, boolean ok, String detail) {
    }

    private Replay() {
    }

    public static List<Outcome> run(ConnectorRuntime rt, List<String> batchIds) throws Exception {
        List<Outcome> out = new ArrayList<>();
        ProducerTemplate pt = rt.camelContext().createProducerTemplate();
        try {
            for (String id : batchIds) {
                try {
                    Batch dead = rt.deadLetters().load(id, rt.mappings());
                    Batch again = new Batch(UUID.randomUUID().toString(), dead.runId(), dead.mapping(), dead.sequence(),
                            dead.kind(), dead.rows(), dead.keys(), dead.hashes());
                    // the same destination it failed on, through its route: direct:replay-landing, direct:replay-powerbi, …
                    String destination = rt.deadLetters().destinationOf(id);
                    Exchange done = pt.send("direct:replay-" + destination, e -> {
                        e.getMessage().setBody(again);
                        e.getMessage().setHeader(DeliveryRecorder.REPLAY_OF, id);
                    });
                    if (done.getException() != null) {
                        throw done.getException();
                    }
                    rt.deadLetters().markReplayed(id);
                    String answer = done.getMessage().getHeader(DeliveryRecorder.REPLAY_ANSWER, String.class);
                    out.add(new Outcome(id, true, answer != null ? answer
                            : dead.size() + " rows of " + dead.mapping().table() + " (" + dead.kind() + ") re-delivered"));
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
