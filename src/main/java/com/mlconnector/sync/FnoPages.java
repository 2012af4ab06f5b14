package com.mlconnector.sync;

import com.mlconnector.config.ConnectorSettings;
import com.mlconnector.fno.FnoClient;
import com.mlconnector.fno.PageParser;
import com.mlconnector.fno.RepeatingPageException;
import com.mlconnector.mapping.EntityMapping;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;

import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Reads F&O pages for the run in the exchange property {@code sync} and hands back the batches they completed. Each
 * chain of pages of the run (one, or the partitions of a large read) has at most one page in flight, fetched on a
 * thread of its own, the next requested as soon as the last is in; each call waits for the next page to come in from
 * any chain (requests in flight to F&O are bounded across the process by the client's gate). A page is taken whole or
 * not at all: a chain's failed page is thrown while the other chains go on, and the error handler's retry asks that
 * chain's page again.
 */
public final class FnoPages {
    private final FnoClient fno;
    private final ConnectorSettings settings;
    private final Map<String, PageParser> parsers = new ConcurrentHashMap<>();
    private final MappingGate gate;
    private final ReadPartitioner partitioner;
    /** Threads for the chains' pages (daemons; at most one per chain in flight). */
    private final ExecutorService chains = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fno-page-chain");
        t.setDaemon(true);
        return t;
    });
    /** How long a call waits for a page: longer than any request may take (its own timeout ends it first). */
    private final Duration pageWait;

    /** One run's pages in flight: the chains that have one, and their results as they come in. */
    static final class InFlight {
        final Set<Integer> chains = ConcurrentHashMap.newKeySet();
        final CompletionService<Exception> results;

        InFlight(ExecutorService pool) {
            this.results = new ExecutorCompletionService<>(pool);
        }
    }

    public FnoPages(FnoClient fno, ConnectorSettings settings, MappingGate gate) {
        this.fno = fno;
        this.settings = settings;
        this.gate = gate;
        this.partitioner = new ReadPartitioner(fno, settings, chains);
        this.pageWait = settings.firstRequestTimeout.plus(settings.requestTimeout).plusMinutes(1);
    }

    /** Sets the body to the list of batches now full (at the end of a chain, its remainder too). */
    public void readPage(Exchange exchange) throws Exception {
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        EntityMapping m = sync.getMapping();
        if (sync.isLeaseLost()) {
            // this process stalled past its lease and another took the table: it goes on from what was confirmed
            throw new IllegalStateException("run " + sync.getRunId() + " lost its lease on " + m.table()
                    + " (this process did not renew it in time, and another process took the table); stopped");
        }
        PageParser parser = parsers.computeIfAbsent(m.table(), t -> new PageParser(m, settings.dimensionDelimiter));
        InFlight inFlight = sync.pagesInFlight(() -> new InFlight(chains));
        for (ReadPartition p : sync.openPartitions()) {
            if (inFlight.chains.add(p.index())) {
                inFlight.results.submit(() -> {
                    try {
                        return readOne(sync, p, parser);
                    } finally {
                        inFlight.chains.remove(p.index());
                    }
                });
            }
        }
        Exception failure = null;
        if (!sync.hasCutBatches()) { // batches a call that threw left behind go out first
            Future<Exception> done = inFlight.results.poll(pageWait.toMillis(), TimeUnit.MILLISECONDS);
            if (done == null) {
                throw new IllegalStateException("no page of " + m.entitySet() + " came in for " + pageWait.toMinutes() + " minutes");
            }
            failure = done.get();
        }
        if (failure != null) {
            throw failure; // the batches other chains completed wait for the next call; the retry asks this chain's page again
        }
        exchange.getMessage().setBody(sync.takeBatches());
        // a page is in: the next pages' failures start counting from zero again
        exchange.getMessage().removeHeaders("CamelRedelivery*");
    }

    /** Reads a chain's next page whole and records it; returns its failure (null when it was read). */
    private Exception readOne(EntitySync sync, ReadPartition p, PageParser parser) {
        EntityMapping m = sync.getMapping();
        String url;
        synchronized (sync) {
            url = p.next;
        }
        PageParser.Page page;
        try (InputStream in = fno.get(url)) {
            page = parser.parse(in, url);
        } catch (HttpOperationFailedException e) {
            RuntimeException drift = gate == null ? null : gate.refused(m, e);
            return drift != null ? drift : e;
        } catch (Exception e) {
            return e;
        }
        String next = page.nextLink();
        if (next != null && (next.equals(url) || sync.alreadyRead(next))) {
            return new RepeatingPageException("F&O returned an @odata.nextLink that was already read (" + next
                    + ") after " + sync.getPages() + " pages of " + m.entitySet() + "; following it would never end");
        }
        sync.pageRead(p, page.rows(), next, page.count());
        com.mlconnector.ops.ConnectorMetrics.rowsRead(m.table(), page.rows().size());
        partitioner.splitRemainder(sync, p, page.rows());
        return null;
    }
}
