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
 * Which read each business event leads to ({@code events/business-events.yaml}): the mapped table, and for each
 * property of the $filter that finds the record, the event field holding its value. Checked against the mappings at
 * start-up: the table must be mapped and every property selected by its mapping (so a read row can be told apart).
 */
public final class EventMap {
    /** The read one kind of event leads to. {@code match}: entity property → event field, in file order. */
    public record Read(String businessEventId, EntityMapping mapping, Map<String, String> match) {
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private final Map<String, Read> byEvent;

    private EventMap(Map<String, Read> byEvent) {
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
        Map<String, Read> map = new LinkedHashMap<>();
        JsonNode list = root == null ? null : root.get("events");
        if (list == null || !list.isArray()) {
            throw new ConfigException(file + ": expected a list under 'events:'");
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode e = list.get(i);
            String where = file.getFileName() + " events[" + i + "]";
            String id = e.path("id").asText("");
            String table = e.path("table").asText("");
            if (id.isBlank() || table.isBlank()) {
                throw new ConfigException(where + ": id and table are required");
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
            if (map.put(id, new Read(id, m, java.util.Collections.unmodifiableMap(match))) != null) {
                throw new ConfigException(where + ": " + id + " is mapped twice");
            }
        }
        return new EventMap(map);
    }

    /** The read for a BusinessEventId, or null when the connector does not read anything for it. */
    public Read forEvent(String businessEventId) {
        return businessEventId == null ? null : byEvent.get(businessEventId);
    }

    public List<String> eventIds() {
        return List.copyOf(byEvent.keySet());
    }
}
