package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The entities the sandbox F&O serves, with their keys and typed properties: the published reference of real F&O
 * metadata (resource sandbox/fno-entities.json, a copy of shared/reference/fno-entities.json), never the
 * connector's own mappings. Every entity the reference lists with its properties is served with all of them;
 * one listed without properties (GeneralJournalAccountEntries: not public in a real 2025 tenant) is not served.
 * Types the reference gives from observed values are made concrete: {@code Enum(NoYes)} is the NoYes enum, and
 * {@code Edm.Int32|Int64} (a whole number of unknown width) is Edm.Int64.
 */
final class FnoCatalog {

    record Property(String name, String type, String enumType, List<String> members, int index) {
        boolean isEnum() {
            return "Enum".equals(type);
        }
    }

    static final class Entity {
        private final String name;
        private final List<String> keys;
        private volatile Map<String, Property> properties;

        Entity(String name, List<String> keys, Map<String, Property> properties) {
            this.name = name;
            this.keys = keys;
            this.properties = Map.copyOf(properties);
            this.order = List.copyOf(properties.keySet());
        }

        private final List<String> order;

        String name() { return name; }
        List<String> keys() { return keys; }
        Property property(String n) { return properties.get(n); }

        /** The properties in the order F&O lists them. */
        List<Property> properties() {
            Map<String, Property> now = properties;
            return order.stream().filter(now::containsKey).map(now::get).toList();
        }

        boolean companyScoped() { return keys.contains("dataAreaId"); }

        /** The property is gone, as after an F&O update that removed it. */
        void withdraw(String property) {
            Map<String, Property> next = new LinkedHashMap<>(properties);
            if (next.remove(property) == null) {
                throw new IllegalArgumentException(name + " has no property " + property);
            }
            properties = Map.copyOf(next);
        }
    }

    static final String RESOURCE = "/sandbox/fno-entities.json";
    private final Map<String, Entity> entities;
    private volatile String metadata;

    private FnoCatalog(Map<String, Entity> entities) {
        this.entities = entities;
    }

    static FnoCatalog load() {
        try (InputStream in = FnoCatalog.class.getResourceAsStream(RESOURCE)) {
            JsonNode root = new ObjectMapper().readTree(in).path("entities");
            Map<String, Entity> map = new LinkedHashMap<>();
            root.fields().forEachRemaining(e -> {
                if (e.getValue().path("properties").isEmpty()) {
                    return; // known only by its keys: a tenant that does not publish it answers 404
                }
                List<String> keys = new ArrayList<>();
                e.getValue().path("keys").forEach(k -> keys.add(k.asText()));
                Map<String, Property> props = new LinkedHashMap<>();
                int i = 0;
                for (JsonNode p : e.getValue().path("properties")) {
                    props.put(p.path("name").asText(), property(p, i++));
                }
                map.put(e.getKey(), new Entity(e.getKey(), List.copyOf(keys), props));
            });
            return new FnoCatalog(map);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Property property(JsonNode p, int index) {
        String name = p.path("name").asText();
        String type = p.path("type").asText();
        List<String> members = new ArrayList<>();
        for (JsonNode m : p.path("members")) {
            members.add(m.asText());
        }
        String enumType = p.path("enum").asText(null);
        if (type.equals("Enum(NoYes)")) {
            type = "Enum";
            enumType = "NoYes";
            members = List.of("No", "Yes");
        } else if (type.equals("Edm.Int32|Int64")) {
            type = "Edm.Int64";
        }
        return new Property(name, type, enumType, List.copyOf(members), index);
    }

    /** The CSDL document of the catalog as it is now. */
    String metadata() {
        String m = metadata;
        if (m == null) {
            m = FnoMetadata.render(this);
            metadata = m;
        }
        return m;
    }

    /** Removes a property from an entity (tests of a tenant that changed under the connector). */
    void withdraw(String entity, String property) {
        entities.get(entity).withdraw(property);
        metadata = null;
    }

    Entity entity(String name) {
        return entities.get(name);
    }

    Collection<Entity> entities() {
        return entities.values();
    }
}
