package com.mlconnector.app;

import com.mlconnector.sync.DestinationRun;
import com.mlconnector.sync.EntitySync;
import com.mlconnector.sync.RunLedger;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Route bean {@code catchUp}: at the end of a run, a destination that lags (dead letters of earlier runs wait for it,
 * so the read did not start where it would need) is given up to {@code sync.catch-up-batches} of them again, oldest
 * first, through the same replay as the {@code replay} command (idempotent). What stays waiting shows in {@code status}
 * as dead letters; the next run goes on from there. A failed catch-up does not fail the run: its own rows landed.
 */
public final class CatchUp {
    private static final Logger LOG = LoggerFactory.getLogger(CatchUp.class);
    private final ConnectorRuntime rt;

    CatchUp(ConnectorRuntime rt) {
        this.rt = rt;
    }

    public void replayLagging(Exchange exchange) throws Exception {
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        int limit = rt.settings().catchUpBatches;
        if (sync == null || sync.targeted() != null || limit == 0) {
            return;
        }
        for (DestinationRun d : sync.destinations()) {
            if (d.lagging() == 0) {
                continue;
            }
            List<String> ids = rt.deadLetters().waiting(sync.getMapping().table(), d.destination(), sync.getStarted(), limit);
            if (ids.isEmpty()) {
                continue;
            }
            List<Replay.Outcome> outcomes = Replay.run(rt, ids);
            long ok = outcomes.stream().filter(Replay.Outcome::ok).count();
            String failed = outcomes.stream().filter(o -> !o.ok()).map(Replay.Outcome::detail).findFirst().orElse(null);
            if (failed == null) {
                LOG.info("run={} entity={} destination={} caught up: {} of its {} dead letter(s) replayed", sync.getRunId(),
                        sync.getEntity(), d.destination(), ok, d.lagging());
            } else {
                LOG.warn("run={} entity={} destination={} lags: {} of {} dead letter(s) replayed; still failing: {}",
                        sync.getRunId(), sync.getEntity(), d.destination(), ok, ids.size(), failed);
            }
        }
    }
}
