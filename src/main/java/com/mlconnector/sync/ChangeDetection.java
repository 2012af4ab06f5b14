package com.mlconnector.sync;

import com.mlconnector.config.ConnectorSettings;
import com.mlconnector.mapping.ChangePolicy;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.state.DeliveryState;
import org.apache.camel.Exchange;

import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds what changed, per destination: plans where a read starts (watermark minus overlap or look-back), drops the
 * rows a destination already holds with the same hash, and after a full read names the keys that vanished.
 */
public final class ChangeDetection {
    /** The header naming the destination a batch is on its way to. */
    public static final String DESTINATION = "destination";

    private final DeliveryState state;
    private final ConnectorSettings settings;
    private final Map<String, java.util.function.Predicate<EntityMapping>> destinations;

    /** @param destinations every destination, with which entities it takes */
    public ChangeDetection(DeliveryState state, ConnectorSettings settings,
                           Map<String, java.util.function.Predicate<EntityMapping>> destinations) {
        this.state = state;
        this.settings = settings;
        this.destinations = new java.util.LinkedHashMap<>(destinations);
    }

    /** Loads each destination's state into the run and returns the extra $filter of this read (null for a full read). */
    public String plan(EntitySync sync) throws SQLException {
        EntityMapping m = sync.getMapping();
        ChangePolicy p = m.change();
        // first where the read must start: where the destination furthest behind needs it; but a destination whose
        // earlier batches wait as dead letters (it keeps failing: Power BI past its row cap, a stopped warehouse) does
        // not drag every read back to its old watermark: it catches up through those dead letters (CatchUp, at the
        // end of the run), and the read starts where the destinations that keep up need it
        Map<String, Long> marks = new java.util.LinkedHashMap<>();
        Map<String, Integer> lagging = new java.util.LinkedHashMap<>();
        for (String d : destinations.keySet()) {
            if (destinations.get(d).test(m)) {
                marks.put(d, p.strategy() == ChangePolicy.Strategy.SNAPSHOT ? null : state.watermark(m.table(), d));
                lagging.put(d, p.strategy() == ChangePolicy.Strategy.SNAPSHOT ? 0 : state.deadLettersWaiting(m.table(), d));
            }
        }
        boolean anyKeepsUp = lagging.values().stream().anyMatch(n -> n == 0);
        Long from = null;
        boolean full = sync.isFullRead(); // a reconcile reads everything
        for (Map.Entry<String, Long> e : marks.entrySet()) {
            if (anyKeepsUp && lagging.get(e.getKey()) > 0) {
                continue;
            }
            Long mark = e.getValue();
            Long min = switch (p.strategy()) {
                case SNAPSHOT -> null;
                case GROWING_KEY -> mark == null ? null : mark - p.overlap();
                case DATE_WINDOW -> mark == null ? null : mark - p.lookBackDays();
                case MODIFIED_SINCE -> mark == null ? null : mark - p.overlap();
            };
            full |= min == null;
            if (min != null && (from == null || min < from)) {
                from = min;
            }
        }
        // what each destination holds is looked up per batch, by key (memory flat in the entity's size); a destination
        // further ahead than the read's start so recognises the older rows it already has
        for (Map.Entry<String, Long> e : marks.entrySet()) {
            DestinationRun run = new DestinationRun(e.getKey(), new java.util.HashMap<>(), p.tellsDeletes() || sync.isFullRead(),
                    false, e.getValue());
            run.lagging = anyKeepsUp ? lagging.get(e.getKey()) : 0;
            sync.addDestination(run);
        }
        if (full || from == null) {
            return null;
        }
        if (p.strategy() == ChangePolicy.Strategy.GROWING_KEY) {
            sync.keyFrom(from); // the read's keys are all above it: where a partition's watermark may stand before it read
        }
        return switch (p.strategy()) {
            case GROWING_KEY -> p.column() + " gt " + from;
            case DATE_WINDOW -> p.column() + " ge " + LocalDate.ofEpochDay(from) + "T00:00:00Z";
            case MODIFIED_SINCE -> p.column() + " ge " + java.time.Instant.ofEpochSecond(from);
            case SNAPSHOT -> null;
        };
    }

    /**
     * Plans a targeted read (business events): the records are not known in advance, so each destination's state
     * is looked up per batch for the keys it holds, not loaded whole.
     */
    public void planTargeted(EntitySync sync) throws SQLException {
        EntityMapping m = sync.getMapping();
        // the records the events name, as the landing database holds them: any the read does not find again has
        // left the entity (an invoice posted leaves VendorInvoiceHeaders) and is deleted in every destination
        List<String> named = state.keysMatching(m, sync.targeted().matchSources(), sync.targeted().eventsByMatch().keySet());
        for (String d : destinations.keySet()) {
            if (destinations.get(d).test(m)) {
                sync.addDestination(new DestinationRun(d, new java.util.HashMap<>(state.hashes(m.table(), d, named)), true, true, null));
            }
        }
    }

    /** The body's batch narrowed to the rows the destination in the header does not hold as they are now. */
    public void onlyChanged(Exchange exchange) {
        String destination = exchange.getMessage().getHeader(DESTINATION, String.class);
        Batch b = exchange.getMessage().getBody(Batch.class).withId(
                exchange.getMessage().getBody(Batch.class).id() + "/" + destination); // each destination audits its own
        exchange.setProperty(DeliveryRecorder.STARTED, java.time.Instant.now());
        exchange.removeProperty(RetryPolicy.FAILED_ATTEMPTS); // a new batch: its own attempts
        if (b.kind() == Batch.Kind.DELETE) {
            exchange.getMessage().setBody(b);
            return; // computed against this destination's state already
        }
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        DestinationRun d = sync.destination(destination);
        try {
            if (!d.targeted) {
                d.known.clear(); // only the batch in hand: memory does not grow with the entity
            }
            d.known.putAll(state.hashes(b.mapping().table(), destination, b.keys()));
        } catch (SQLException e) {
            throw new IllegalStateException("state of " + destination + " could not be read: " + e.getMessage(), e);
        }
        int[] changed = new int[b.size()];
        int n = 0;
        for (int i = 0; i < b.size(); i++) {
            String key = b.keys().get(i);
            if (d.seen != null) {
                d.seen.add(key);
            }
            Long had = d.known.get(key);
            if (had == null || had != b.hashes()[i]) {
                changed[n++] = i;
                if (had == null) {
                    d.inserted++;
                } else {
                    d.updated++;
                }
            }
        }
        d.unchanged += b.size() - n;
        exchange.getMessage().setBody(n == b.size() ? b : b.only(java.util.Arrays.copyOf(changed, n)));
    }

    /**
     * Route step after each page: a full read records the keys it found (in the state database, for the run), so that
     * its deletes can be told at the end without every key in the heap.
     */
    public void recordSeen(Exchange exchange) throws SQLException {
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        if (sync.targeted() != null || sync.destinations().stream().noneMatch(d -> d.tellsDeletes)) {
            return;
        }
        @SuppressWarnings("unchecked")
        List<Batch> batches = exchange.getMessage().getBody(List.class);
        for (Batch b : batches) {
            state.seen(sync.getRunId(), b.keys());
            if (b.mapping().companyScoped()) {
                for (String k : b.keys()) {
                    sync.companySeen(RowKeys.company(b.mapping(), k));
                }
            }
        }
    }

    /**
     * After a complete full read: DELETE batches for the keys the destination holds that F&O no longer has. Only keys
     * of the legal entities this read covered are considered, so narrowing d365.legal-entities deletes nothing.
     */
    public List<Batch> deletions(Exchange exchange) throws SQLException {
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        List<Batch> out = new ArrayList<>();
        String name = exchange.getMessage().getHeader(DESTINATION, String.class);
        if (!sync.hasDestination(name)) {
            return out; // this destination does not take the entity
        }
        DestinationRun d = sync.destination(name);
        if (!d.tellsDeletes || !sync.readComplete()) {
            return out;
        }
        EntityMapping m = sync.getMapping();
        List<String> gone = new ArrayList<>();
        if (d.targeted) {
            // a targeted read names its records exactly: what it did not find again is gone, whatever the company
            for (String key : d.known.keySet()) {
                if (!d.seen.contains(key)) {
                    gone.add(key);
                }
            }
            gone.sort(null);
        } else {
            Set<String> companies = coveredCompanies(m, sync.companiesSeen());
            state.vanished(m.table(), name, sync.getRunId(), key -> {
                if (companies == null || companies.contains(RowKeys.company(m, key))) {
                    gone.add(key);
                }
            });
        }
        d.vanished = gone.size();
        for (int i = 0; i < gone.size(); i += settings.batchSize) {
            out.add(Batch.deletes(sync.getRunId(), m, 100_000 + out.size() + 1, gone.subList(i, Math.min(gone.size(), i + settings.batchSize))));
        }
        return out;
    }

    /** Null means every company; otherwise the (lower-case) companies whose rows this read covered in full. */
    private Set<String> coveredCompanies(EntityMapping m, Set<String> companiesRead) {
        if (!m.companyScoped()) {
            return null;
        }
        if (!settings.legalEntities.isEmpty()) {
            return new HashSet<>(settings.legalEntities);
        }
        if (settings.crossCompany) {
            return null;
        }
        return companiesRead; // only the principal's default company was read: whichever that was
    }
}
