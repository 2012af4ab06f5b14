package com.mlconnector.sync;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Route bean {@code deliveries}: each destination of a run takes its batches from a queue of its own, bounded at
 * {@code sync.queue-depth} batches, and delivers them in order on a thread of its own (through its
 * {@code direct:deliver-<destination>} route, as before). A slow destination (Power BI's pacing, a busy warehouse)
 * holds neither the F&O read nor the other destinations back further than its queue depth, and memory stays bounded
 * by the depths. Before the deletes and before the table-level follow-ups the run waits until every queue is
 * drained ({@link #drained}). Nothing is confirmed before its destination took it, so a crash loses nothing: what
 * was queued and not delivered is read again from the confirmed state.
 */
public final class DeliveryQueues {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryQueues.class);
    /** A batch, or the end of a run's queue. */
    private record Item(Exchange exchange, boolean end) {
    }

    /** One destination's queue within one run, and the thread that empties it. */
    private static final class Lane {
        final BlockingQueue<Item> queue;
        final Thread worker;
        /** Batches handed to this lane and not yet delivered; guarded by the lane's lock. */
        int pending;
        volatile Throwable failure;

        Lane(int depth, Thread worker) {
            this.queue = new ArrayBlockingQueue<>(depth);
            this.worker = worker;
        }
    }

    private final CamelContext camel;
    private final List<String> destinations;
    private final int depth;
    private final Duration wait;
    private final Map<String, Map<String, Lane>> lanes = new ConcurrentHashMap<>();
    private final com.mlconnector.http.ProducerOnDemand producer;
    private final Handled handled;

    /** Told of each batch a destination's queue has handled (delivered, held already, or dead-lettered). */
    @FunctionalInterface
    public interface Handled {
        void handled(EntitySync sync, String destination, Batch original) throws Exception;
    }

    public DeliveryQueues(CamelContext camel, List<String> destinations, int depth, Duration wait) {
        this(camel, destinations, depth, wait, (s, d, b) -> { });
    }

    public DeliveryQueues(CamelContext camel, List<String> destinations, int depth, Duration wait, Handled handled) {
        this.handled = handled;
        this.camel = camel;
        this.producer = new com.mlconnector.http.ProducerOnDemand(camel);
        this.destinations = List.copyOf(destinations);
        this.depth = depth;
        this.wait = wait;
    }

    /** Hands the batch in the body to every destination's queue; blocks while a queue is full. */
    public void enqueue(Exchange exchange) throws InterruptedException {
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        Map<String, Lane> run = lanes.computeIfAbsent(sync.getRunId(), id -> {
            sync.alsoOnEnd(() -> close(id)); // the run's end, however it ends, stops its queues' threads
            sync.beforeFailed(() -> settle(sync)); // a failed read's batches are delivered before the failure is recorded
            return new ConcurrentHashMap<>();
        });
        for (String d : destinations) {
            if (!sync.hasDestination(d)) {
                continue; // a destination that does not take this entity gets none of its batches
            }
            Lane lane = run.computeIfAbsent(d, name -> start(sync, name));
            if (lane.failure != null) {
                throw new IllegalStateException("delivery to " + d + " stopped in run " + sync.getRunId() + ": " + lane.failure.getMessage(),
                        lane.failure);
            }
            synchronized (lane) {
                lane.pending++; // the worker counts down under the same lock
            }
            // a fresh exchange: the batch, the headers and the run, none of the read's own error-handling state
            Exchange copy = new org.apache.camel.support.DefaultExchange(camel);
            copy.getMessage().setBody(exchange.getMessage().getBody());
            copy.getMessage().setHeaders(new java.util.HashMap<>(exchange.getMessage().getHeaders()));
            copy.setProperty(RunLedger.SYNC, sync);
            long deadline = System.nanoTime() + wait.toNanos();
            while (!lane.queue.offer(new Item(copy, false), 200, TimeUnit.MILLISECONDS)) {
                if (lane.failure != null || !lane.worker.isAlive()) {
                    throw new IllegalStateException("delivery to " + d + " stopped in run " + sync.getRunId(), lane.failure);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the " + d + " queue stayed full for " + wait.toMinutes()
                            + " minutes (sync.delivery-wait-minutes)");
                }
            }
        }
    }

    private Lane start(EntitySync sync, String destination) {
        Lane[] lane = new Lane[1];
        Thread worker = new Thread(() -> work(lane[0], destination), "deliver-" + destination + "-" + sync.getMapping().table());
        worker.setDaemon(true);
        lane[0] = new Lane(depth, worker);
        worker.start();
        return lane[0];
    }

    private void work(Lane lane, String destination) {
        while (true) {
            Item item;
            try {
                item = lane.queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (item.end()) {
                return;
            }
            try {
                Object original = item.exchange().getMessage().getBody();
                Exchange done = producer.get().send("direct:deliver-" + destination, item.exchange());
                if (done.getException() != null) {
                    // a batch failure is dead-lettered by its route; what reaches here could not even be recorded
                    lane.failure = done.getException();
                    LOG.error("delivery to {} failed and could not be recorded; this run stops delivering to it: {}", destination,
                            done.getException().toString());
                } else if (original instanceof Batch b) {
                    handled.handled(done.getProperty(RunLedger.SYNC, EntitySync.class), destination, b);
                }
            } catch (Exception e) {
                lane.failure = e;
            } finally {
                synchronized (lane) {
                    lane.pending--;
                    lane.notifyAll();
                }
            }
        }
    }

    /**
     * Waits until every queue of the run is empty and its last batch delivered (up to sync.delivery-wait-minutes);
     * throws when a destination's delivery failed in a way that could not be dead-lettered.
     */
    public void drained(Exchange exchange) throws InterruptedException {
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        Map<String, Lane> run = lanes.get(sync.getRunId());
        if (run == null) {
            return;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        for (Map.Entry<String, Lane> e : run.entrySet()) {
            Lane lane = e.getValue();
            if (!awaitLane(lane, deadline)) {
                throw new IllegalStateException(e.getKey() + " still had " + lane.pending + " batch(es) of run " + sync.getRunId()
                        + " to deliver after " + wait.toMinutes() + " minutes (sync.delivery-wait-minutes)");
            }
            if (lane.failure != null) {
                throw new IllegalStateException("delivery to " + e.getKey() + " failed: " + lane.failure.getMessage(), lane.failure);
            }
        }
    }

    /**
     * The read failed: waits (up to sync.delivery-wait-minutes) until every queue of the run has delivered or
     * dead-lettered the batches it was handed, without throwing; a queue that failed itself is not waited for.
     */
    private void settle(EntitySync sync) {
        Map<String, Lane> run = lanes.get(sync.getRunId());
        if (run == null) {
            return;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        for (Map.Entry<String, Lane> e : run.entrySet()) {
            try {
                if (!awaitLane(e.getValue(), deadline)) {
                    LOG.warn("run={} failed; {} still had {} batch(es) to deliver after {} minutes: they are read again "
                            + "by the next run", sync.getRunId(), e.getKey(), e.getValue().pending, wait.toMinutes());
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Waits until the lane has delivered (or dead-lettered) every batch it was handed, or has failed itself; false
     * when the deadline came first with batches still pending.
     */
    private static boolean awaitLane(Lane lane, long deadline) throws InterruptedException {
        synchronized (lane) {
            while (lane.pending > 0 && lane.failure == null) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                lane.wait(Math.min(left, 1000));
            }
            return true;
        }
    }

    /**
     * The run is over: its queues' threads end once the batch in hand (if any) is delivered; batches still queued
     * (a failed run whose queues did not settle within sync.delivery-wait-minutes) are dropped unconfirmed, and read
     * again by the next run.
     */
    private void close(String runId) {
        Map<String, Lane> run = lanes.remove(runId);
        if (run != null) {
            run.values().forEach(l -> {
                l.queue.clear();
                l.queue.offer(new Item(null, true));
            });
        }
    }
}
