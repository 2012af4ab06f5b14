package com.mlconnector.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.mlconnector.config.ConfigException;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.sync.Mappings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which reads each business event leads to ({@code events/business-events.yaml}): for each, the mapped table, and for
 * each property of the $filter that finds the record, the event field holding its value. An event names one read
 * ({@code table} + {@code match}) or several ({@code reads:}, a list of them: an invoice posted leaves the pending
 * invoices and enters the posted ones). Checked against the mappings at start-up: the table must be mapped and every
 * property selected by its mapping (so a read row can be told apart).
 */
public final class EventMap {
    /** The read one kind of event leads to. {@code match}: entity property → event field, in file order. */
    public record Read(String businessEventId, EntityMapping mapping, Map<String, String> match) {
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private final Map<String, List<Read>> byEvent;

    private EventMap(Map<String, List<Read>> byEvent) {
        this.byEvent = byEvent;
    }

    public static EventMap empty() {
        return new EventMap(Map.of());
    }

    public static EventMap load(Path file, Mappings mappings) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("events.map: " + file.toAbsolutePath() + " not found");
        }
        JsonNode root;
        try {
            root = YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getMessage());
        }
        Map<String, List<Read>> map = new LinkedHashMap<>();
        JsonNode list = root == null ? null : root.get("events");
        if (list == null || !list.isArray()) {
            throw new ConfigException(file + ": expected a list under 'events:'");
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode e = list.get(i);
            String where = file.getFileName() + " events[" + i + "]";
            String id = e.path("id").asText("");
            if (id.isBlank()) {
                throw new ConfigException(where + ": id is required");
            }
            List<Read> reads = new java.util.ArrayList<>();
            if (e.has("reads")) {
                if (e.has("table") || e.has("match") || !e.get("reads").isArray() || e.get("reads").isEmpty()) {
                    throw new ConfigException(where + ": give either table and match, or reads: a list of table and match");
                }
                for (int r = 0; r < e.get("reads").size(); r++) {
                    reads.add(read(id, e.get("reads").get(r), where + ".reads[" + r + "]", mappings));
                }
            } else {
                reads.add(read(id, e, where, mappings));
            }
            if (reads.stream().map(r -> r.mapping().table()).distinct().count() < reads.size()) {
                throw new ConfigException(where + ": a table is read twice for " + id);
            }
            if (map.put(id, List.copyOf(reads)) != null) {
                throw new ConfigException(where + ": " + id + " is mapped twice");
            }
        }
        return new EventMap(map);
    }

    private static Read read(String id, JsonNode e, String where, Mappings mappings) {
        String table = e.path("table").asText("");
        if (table.isBlank()) {
            throw new ConfigException(where + ": table is required");
        }
        EntityMapping m;
        try {
            m = mappings.get(table);
        } catch (IllegalArgumentException ex) {
            throw new ConfigException(where + ".table: " + ex.getMessage());
        }
        Map<String, String> match = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = e.path("match").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!m.selectedSources().contains(f.getKey())) {
                throw new ConfigException(where + ".match." + f.getKey() + ": not a property the mapping of " + table
                        + " selects (" + String.join(", ", m.selectedSources()) + ")");
            }
            if (f.getValue().asText("").isBlank()) {
                throw new ConfigException(where + ".match." + f.getKey() + ": name the event field that holds it");
            }
            match.put(f.getKey(), f.getValue().asText());
        }
        if (match.isEmpty()) {
            throw new ConfigException(where + ".match: at least one property is required");
        }
        return new Read(id, m, java.util.Collections.unmodifiableMap(match));
    }

    /** The reads a BusinessEventId leads to (empty when the connector reads nothing for it). */
    public List<Read> readsFor(String businessEventId) {
        return businessEventId == null ? List.of() : byEvent.getOrDefault(businessEventId, List.of());
    }

    /** The read of a BusinessEventId into a table, or null when the event map (no longer) has it. */
    public Read read(String businessEventId, String table) {
        return readsFor(businessEventId).stream().filter(r -> r.mapping().table().equals(table)).findFirst().orElse(null);
    }

    public List<String> eventIds() {
        return List.copyOf(byEvent.keySet());
    }
}
