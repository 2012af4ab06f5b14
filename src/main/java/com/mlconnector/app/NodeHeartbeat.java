package com.mlconnector.app;

import com.mlconnector.state.Nodes;
import com.mlconnector.state.TableLeases;
import com.mlconnector.sync.RunLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This process's heartbeat in the state database, every third of the lease time: the table leases its runs hold are
 * renewed, the node row says it is alive, and runs of processes that died (their leases expired) are marked
 * ABANDONED. Runs in every process that syncs, the service and a one-off `sync --once` alike.
 */
final class NodeHeartbeat implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeHeartbeat.class);
    private final DataSource db;
    private final TableLeases leases;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "node-heartbeat");
        t.setDaemon(true);
        return t;
    });

    NodeHeartbeat(DataSource db, TableLeases leases, String role) throws java.sql.SQLException {
        this.db = db;
        this.leases = leases;
        Nodes.register(db, leases.owner(), role);
        long period = Math.max(1000, leases.ttl().toMillis() / 3);
        timer.scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
        LOG.info("Node {} ({}) started; table leases last {} s and are renewed every {} ms", leases.owner(), role,
                leases.ttl().toSeconds(), period);
    }

    private void beat() {
        try {
            leases.renew();
            Nodes.heartbeat(db, leases.owner());
            RunLedger.abandon(db);
        } catch (Exception e) {
            // the next beat tries again; a lease not renewed in time is taken by another process, which this run notices
            LOG.warn("heartbeat to the state database failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            Nodes.leave(db, leases.owner());
        } catch (Exception e) {
            LOG.debug("node {} could not sign off: {}", leases.owner(), e.getMessage());
        }
    }
}
