package com.mlconnector.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mlconnector.fno.ODataQueries;
import com.mlconnector.mapping.ColumnType;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.sync.EntitySync;
import com.mlconnector.sync.RunLedger;
import com.mlconnector.sync.TargetedRead;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns the stored business events into reads (route bean {@code eventReads}, route business-event-reads): the
 * events due are grouped by kind (a BusinessEventId names one table and its match fields), and each group becomes as
 * few reads as the $filter length allows ({@link #plan}). Each read goes through the normal pipeline (change
 * detection, every destination of the table); its events are marked read when the run succeeded, or retried with
 * backoff when it did not.
 */
public final class EventReads {
    private static final Logger LOG = LoggerFactory.getLogger(EventReads.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NUMBER = Pattern.compile("-?\\d{1,19}(\\.\\d+)?");
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    /** Header: the events a targeted read answers. */
    public static final String EVENTS = "businessEvents";

    private final EventSettings settings;
    private final EventMap map;
    private final EventStore store;
    private final com.mlconnector.ops.Pauses pauses;

    public EventReads(EventSettings settings, EventMap map, EventStore store, com.mlconnector.ops.Pauses pauses) {
        this.settings = settings;
        this.map = map;
        this.store = store;
        this.pauses = pauses;
    }

    /** One read to make, and the events it answers (getters only: the route reads them with Simple). */
    public static final class Planned {
        private final TargetedRead read;
        private final List<EventStore.Stored> events;

        Planned(TargetedRead read, List<EventStore.Stored> events) {
            this.read = read;
            this.events = List.copyOf(events);
        }

        public String getEntity() {
            return read.entity();
        }

        public TargetedRead getRead() {
            return read;
        }

        public List<EventStore.Stored> getEvents() {
            return events;
        }
    }

    /** The reads for the events due now (the timer's body for the split). */
    public List<Planned> due() throws Exception {
        if (!settings.enabled) {
            return List.of();
        }
        List<EventStore.Stored> due = store.due(50_000);
        // by kind of event and table: each has its own match fields (two kinds may read the same table, one kind several)
        Map<String, List<EventStore.Stored>> byKind = new LinkedHashMap<>();
        List<EventStore.Stored> unreadable = new ArrayList<>();
        for (EventStore.Stored e : due) {
            EventMap.Read r = map.read(e.businessEventId(), e.table());
            if (r == null) {
                unreadable.add(e); // the event map changed since it was stored
                continue;
            }
            if (pauses.isPaused(r.mapping().table())) {
                continue; // paused by an operator: the events wait
            }
            byKind.computeIfAbsent(e.businessEventId() + "\n" + e.table(), k -> new ArrayList<>()).add(e);
        }
        if (!unreadable.isEmpty()) {
            store.failed(unreadable, null, "events/business-events.yaml no longer has a read for this event", 1, Duration.ZERO);
        }
        List<Planned> out = new ArrayList<>();
        for (List<EventStore.Stored> events : byKind.values()) {
            out.addAll(plan(events));
        }
        if (!out.isEmpty()) {
            LOG.info("{} business event(s) due: {} read(s)", due.size() - unreadable.size(), out.size());
        }
        return out;
    }

    /**
     * The events of one kind, for one table, as reads whose $filter, percent-encoded, stays within events.max-filter-length: records
     * sharing all but the last match value share a clause, {@code (dataAreaId eq 'usmf' and (PurchaseOrderNumber eq
     * 'PO-1' or PurchaseOrderNumber eq 'PO-2'))}; a record asked for by several events is read once.
     */
    List<Planned> plan(List<EventStore.Stored> events) throws Exception {
        EventMap.Read r = map.read(events.get(0).businessEventId(), events.get(0).table());
        EntityMapping m = r.mapping();
        List<String> sources = new ArrayList<>(r.match().keySet());
        // first the distinct records, each with every event asking for it (a record is read once, however often asked)
        Map<List<String>, List<String>> conditionsOf = new LinkedHashMap<>();
        Map<List<String>, List<EventStore.Stored>> eventsOf = new LinkedHashMap<>();
        List<EventStore.Stored> bad = new ArrayList<>();
        for (EventStore.Stored e : events) {
            List<String> values = new ArrayList<>();
            try {
                conditionsOf.putIfAbsent(values, conditions(m, r, e, values));
            } catch (IllegalArgumentException invalid) {
                LOG.warn("Business event {} ({}) cannot be read: {}", e.eventId(), e.businessEventId(), invalid.getMessage());
                bad.add(e);
                continue;
            }
            eventsOf.computeIfAbsent(values, v -> new ArrayList<>()).add(e);
        }
        List<Planned> out = new ArrayList<>();
        Chunk chunk = new Chunk();
        for (Map.Entry<List<String>, List<String>> record : conditionsOf.entrySet()) {
            List<EventStore.Stored> asking = eventsOf.get(record.getKey());
            if (!chunk.add(record.getKey(), record.getValue(), asking, settings.maxFilterLength)) {
                out.add(chunk.planned(m, sources));
                chunk = new Chunk();
                chunk.add(record.getKey(), record.getValue(), asking, Integer.MAX_VALUE); // alone it goes, however long
            }
        }
        if (!chunk.stored.isEmpty()) {
            out.add(chunk.planned(m, sources));
        }
        if (!bad.isEmpty()) {
            store.failed(bad, null, "the event lacks a field its read needs, or has a value of the wrong type", 1, Duration.ZERO);
        }
        return out;
    }

    /** The records of one read, grouped into clauses. */
    private static final class Chunk {
        final Map<String, java.util.LinkedHashSet<String>> groups = new LinkedHashMap<>();
        final Map<List<String>, List<String>> events = new LinkedHashMap<>();
        final List<EventStore.Stored> stored = new ArrayList<>();

        /** Adds a record (and the events asking for it) unless the filter would grow past {@code budget} encoded characters. */
        boolean add(List<String> values, List<String> conditions, List<EventStore.Stored> asking, int budget) {
            String prefix = String.join(" and ", conditions.subList(0, conditions.size() - 1));
            String last = conditions.get(conditions.size() - 1);
            boolean newGroup = !groups.containsKey(prefix);
            groups.computeIfAbsent(prefix, k -> new java.util.LinkedHashSet<>()).add(last);
            if (!stored.isEmpty() && ODataQueries.encode(filter()).length() > budget) {
                if (newGroup) {
                    groups.remove(prefix);
                } else {
                    groups.get(prefix).remove(last);
                }
                return false;
            }
            events.put(values, asking.stream().map(EventStore.Stored::eventId).toList());
            stored.addAll(asking);
            return true;
        }

        String filter() {
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, java.util.LinkedHashSet<String>> g : groups.entrySet()) {
                String ors = String.join(" or ", g.getValue());
                ors = g.getValue().size() == 1 ? ors : "(" + ors + ")";
                parts.add(g.getKey().isEmpty() ? ors : "(" + g.getKey() + " and " + ors + ")");
            }
            return String.join(" or ", parts);
        }

        Planned planned(EntityMapping m, List<String> sources) {
            return new Planned(new TargetedRead(m.entitySet(), filter(), sources, Map.copyOf(events)), stored);
        }
    }

    /** {@code dataAreaId eq 'usmf'}, {@code InvoiceNumber eq 'O''Brien-1'}; values collects the lower-case match values. */
    private static List<String> conditions(EntityMapping m, EventMap.Read r, EventStore.Stored e, List<String> values) {
        JsonNode payload;
        try {
            payload = JSON.readTree(e.payload());
        } catch (IOException ex) {
            throw new IllegalArgumentException("stored payload is not JSON");
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> f : r.match().entrySet()) {
            JsonNode v = payload.get(f.getValue());
            if (v == null || v.isNull() || v.asText().isBlank()) {
                throw new IllegalArgumentException("no " + f.getValue() + " in the event (needed for " + f.getKey() + ")");
            }
            String text = v.asText().trim();
            ColumnType type = m.columns().get(m.columnOf(f.getKey())).type();
            if (f.getKey().equals("dataAreaId")) {
                text = text.toLowerCase(Locale.ROOT); // OData carries legal entities in lower case
            }
            String literal = switch (type) {
                case INT, LONG, DECIMAL -> {
                    if (!NUMBER.matcher(text).matches()) {
                        throw new IllegalArgumentException(f.getValue() + " = '" + text + "' is not a number");
                    }
                    yield text;
                }
                case DATE -> {
                    if (!DATE.matcher(text).matches()) {
                        throw new IllegalArgumentException(f.getValue() + " = '" + text + "' is not a date");
                    }
                    yield text;
                }
                case BOOLEAN -> {
                    if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                        throw new IllegalArgumentException(f.getValue() + " = '" + text + "' is not true/false");
                    }
                    yield text.toLowerCase(Locale.ROOT);
                }
                default -> ODataQueries.literal(text); // quotes doubled: O'Brien -> 'O''Brien'
            };
            values.add(text.toLowerCase(Locale.ROOT));
            out.add(f.getKey() + " eq " + literal);
        }
        return out;
    }

    /** The run of a read succeeded (or ended PARTIAL: its batches are dead letters now, replayable): events done. */
    public void done(Exchange exchange) throws Exception {
        Planned p = exchange.getMessage().getHeader(EVENTS, Planned.class);
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        store.read(p.getEvents(), sync == null ? null : sync.getRunId());
    }

    private static boolean incomplete(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof com.mlconnector.sync.IncompleteRunException) {
                return true;
            }
        }
        return false;
    }

    /** The read failed: its events are tried again later (backoff), up to events.max-attempts. */
    public void failed(Exchange exchange) throws Exception {
        Planned p = exchange.getMessage().getHeader(EVENTS, Planned.class);
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        int attempts = p.getEvents().stream().mapToInt(EventStore.Stored::attempts).max().orElse(0);
        Duration wait = settings.coalesce.multipliedBy(1L << Math.min(10, attempts + 1));
        if (incomplete(t)) {
            done(exchange); // read and landed; what a destination refused is a dead letter (replay) or owed (Tableau)
            return;
        }
        store.failed(p.getEvents(), sync == null ? null : sync.getRunId(), t == null ? "unknown" : t.toString(), settings.maxAttempts, wait);
        LOG.warn("The read for {} business event(s) of {} failed; tried again in {} s: {}", p.getEvents().size(),
                p.getEntity(), wait.toSeconds(), t == null ? "" : t.getMessage());
    }
}
