package com.mlconnector.sync;

import com.mlconnector.config.ConnectorSettings;
import com.mlconnector.fno.FnoClient;
import com.mlconnector.fno.PageParser;
import com.mlconnector.fno.RepeatingPageException;
import com.mlconnector.mapping.EntityMapping;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the next page of the run in the exchange property {@code sync} and hands back the batches it completed.
 * A page is taken whole or not at all, so when the error handler retries this step the same page is simply
 * fetched again.
 */
public final class FnoPages {
    private final FnoClient fno;
    private final ConnectorSettings settings;
    private final Map<String, PageParser> parsers = new ConcurrentHashMap<>();
    private final MappingGate gate;

    public FnoPages(FnoClient fno, ConnectorSettings settings, MappingGate gate) {
        this.fno = fno;
        this.settings = settings;
        this.gate = gate;
    }

    /** Sets the body to the list of batches that are now full (at the end of the read, the remainder too). */
    public void readPage(Exchange exchange) throws Exception {
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        EntityMapping m = sync.getMapping();
        if (sync.isLeaseLost()) {
            // this process stalled past its lease and another took the table: it goes on from what was confirmed
            throw new IllegalStateException("run " + sync.getRunId() + " lost its lease on " + m.table()
                    + " (this process did not renew it in time, and another process took the table); stopped");
        }
        PageParser parser = parsers.computeIfAbsent(m.table(), t -> new PageParser(m, settings.dimensionDelimiter));
        String url = sync.getNextPage();
        PageParser.Page page;
        try (InputStream in = fno.get(url)) {
            page = parser.parse(in, url);
        } catch (HttpOperationFailedException e) {
            RuntimeException drift = gate == null ? null : gate.refused(m, e);
            throw drift != null ? drift : e;
        }
        String next = page.nextLink();
        if (next != null && (next.equals(url) || sync.alreadyRead(next))) {
            throw new RepeatingPageException("F&O returned an @odata.nextLink that was already read (" + next
                    + ") after " + sync.getPages() + " pages of " + m.entitySet() + "; following it would never end");
        }
        sync.pageRead(page.rows(), next, page.count());
        com.mlconnector.ops.ConnectorMetrics.rowsRead(m.table(), page.rows().size());
        List<Batch> batches = sync.takeBatches();
        exchange.getMessage().setBody(batches);
        // the page is in: the next page's failures start counting from zero again
        exchange.getMessage().removeHeaders("CamelRedelivery*");
    }
}
