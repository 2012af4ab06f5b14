package com.mlconnector.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mlconnector.config.ConnectorSettings;
import com.mlconnector.fno.FnoClient;
import com.mlconnector.fno.ODataQueries;
import com.mlconnector.mapping.ChangePolicy;
import com.mlconnector.mapping.EntityMapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a large read into chains of pages read at once (at most {@code d365.read-partitions}, never more than
 * {@code d365.max-concurrent-requests}):
 * <ul>
 *   <li>by legal entity, from the start, when several are configured and read across companies;</li>
 *   <li>by ranges of a growing key, after a chain's first page: its {@code @odata.count} tells how many rows remain,
 *   and {@code $orderby}/{@code $skip}/{@code $top=1} probes find the keys that cut the remainder into equal parts
 *   (each holding at least {@code d365.partition-min-rows}). A small read costs no extra request.</li>
 * </ul>
 * Other change strategies are split by legal entity only: a date window's incremental read spans its look-back days
 * (small), and a snapshot's key is text, whose order F&O's SQL collation decides.
 */
public final class ReadPartitioner {
    private static final Logger LOG = LoggerFactory.getLogger(ReadPartitioner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PROBE_ATTEMPTS = 5;

    private final FnoClient fno;
    private final ConnectorSettings settings;

    private final java.util.concurrent.Executor probes;

    public ReadPartitioner(FnoClient fno, ConnectorSettings settings) {
        this(fno, settings, Runnable::run);
    }

    /** @param probes where the split-point probes run (at once, each bounded by the client's gate) */
    public ReadPartitioner(FnoClient fno, ConnectorSettings settings, java.util.concurrent.Executor probes) {
        this.fno = fno;
        this.settings = settings;
        this.probes = probes;
    }

    /** Sets where the read starts: one chain, or one per legal entity. */
    void start(EntitySync sync, String since) {
        EntityMapping m = sync.getMapping();
        String orderBy = growingKey(m) ? m.change().column() : null;
        if (sync.targeted() == null && settings.readPartitions > 1 && m.companyScoped() && settings.crossCompany
                && settings.legalEntities.size() > 1) {
            List<ReadPartition.Spec> specs = new ArrayList<>();
            List<String> urls = new ArrayList<>();
            for (String company : settings.legalEntities) {
                specs.add(new ReadPartition.Spec(specs.size(), company, List.of(company), since, sync.keyFrom()));
                urls.add(ODataQueries.firstPage(fno.serviceRoot(), m, true, List.of(company), since, orderBy));
            }
            sync.startAt(specs, urls);
            return;
        }
        sync.startAt(ODataQueries.firstPage(fno.serviceRoot(), m, settings.crossCompany, settings.legalEntities, since, orderBy));
    }

    /**
     * After a partition's first page: when a growing key's remainder is large, the rest of the partition is read as
     * key ranges instead of by its next link. A probe that fails leaves the partition as it was (read on by its link).
     */
    void splitRemainder(EntitySync sync, ReadPartition p, List<Object[]> firstPageRows) {
        synchronized (sync.splitLock) {
            split(sync, p, firstPageRows);
        }
    }

    private void split(EntitySync sync, ReadPartition p, List<Object[]> firstPageRows) {
        EntityMapping m = sync.getMapping();
        if (!growingKey(m) || sync.targeted() != null || p.pages != 1 || p.done || p.count == null || firstPageRows.isEmpty()) {
            return;
        }
        long remaining = p.count - p.rows;
        int budget = settings.readPartitions - sync.openPartitions().size() + 1;
        int pieces = (int) Math.min(budget, remaining / settings.partitionMinRows);
        if (pieces < 2) {
            return;
        }
        String column = m.change().column();
        long lastKey = Long.MIN_VALUE;
        for (Object[] row : firstPageRows) {
            Long k = RowKeys.scopeValue(m, row);
            if (k != null && k > lastKey) {
                lastKey = k;
            }
        }
        List<String> companies = p.spec.companies() == null ? settings.legalEntities : p.spec.companies();
        boolean crossCompany = p.spec.companies() == null ? settings.crossCompany : true;
        String rest = and(p.spec.filter(), column + " gt " + lastKey);
        List<java.util.concurrent.CompletableFuture<Long>> probed = new ArrayList<>();
        for (int k = 1; k < pieces; k++) {
            long skip = remaining * k / pieces - 1;
            String url = ODataQueries.probe(fno.serviceRoot(), m, crossCompany, companies, rest, column, skip);
            probed.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> probe(url, column), probes));
        }
        List<Long> cuts = new ArrayList<>();
        try {
            for (java.util.concurrent.CompletableFuture<Long> f : probed) {
                Long cutAt = f.get(settings.requestTimeout.toSeconds() * 2 + 60, java.util.concurrent.TimeUnit.SECONDS);
                if (cutAt == null) {
                    break; // fewer rows than counted (deleted meanwhile): the last range takes the rest
                }
                if (cutAt > (cuts.isEmpty() ? lastKey : cuts.get(cuts.size() - 1))) {
                    cuts.add(cutAt);
                }
            }
        } catch (Exception e) {
            LOG.warn("run={} entity={}: the key probes for splitting the read failed ({}); it goes on as one chain", sync.getRunId(),
                    m.entitySet(), e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
            return;
        }
        if (cuts.isEmpty()) {
            return;
        }
        List<ReadPartition.Spec> specs = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        long above = lastKey;
        int index = sync.partitionCount();
        for (int i = 0; i <= cuts.size(); i++) {
            Long upTo = i < cuts.size() ? cuts.get(i) : null;
            String range = column + " gt " + above + (upTo == null ? "" : " and " + column + " le " + upTo);
            String label = (p.spec.companies() == null ? "" : p.spec.label() + " ") + column + " > " + above
                    + (upTo == null ? "" : " ≤ " + upTo);
            specs.add(new ReadPartition.Spec(index + i, label, p.spec.companies(), and(p.spec.filter(), range), above));
            urls.add(ODataQueries.firstPage(fno.serviceRoot(), m, crossCompany, companies, and(p.spec.filter(), range), column));
            above = upTo == null ? above : upTo;
        }
        sync.split(p, specs, urls);
        LOG.info("run={} entity={}: {} rows remain after the first page of {}; read as {} key ranges at once: {}", sync.getRunId(),
                m.entitySet(), String.format("%,d", remaining), p.spec.label(), specs.size(),
                specs.stream().map(ReadPartition.Spec::label).toList());
    }

    /** The key at a probe's position, or null when the read has no row there. */
    private Long probe(String url, String column) {
        for (int attempt = 1; ; attempt++) {
            try (InputStream in = fno.get(url)) {
                JsonNode value = JSON.readTree(in).path("value");
                return value.isEmpty() || !value.get(0).path(column).canConvertToLong() ? null : value.get(0).path(column).asLong();
            } catch (org.apache.camel.http.base.HttpOperationFailedException e) {
                // throttled: asked again (the client sends nothing before the Retry-After has passed), a few times
                if ((e.getStatusCode() != 429 && e.getStatusCode() != 503) || attempt == PROBE_ATTEMPTS) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }
    }

    private static boolean growingKey(EntityMapping m) {
        return m.change().strategy() == ChangePolicy.Strategy.GROWING_KEY;
    }

    private static String and(String a, String b) {
        return a == null || a.isBlank() ? b : "(" + a + ") and (" + b + ")";
    }
}
