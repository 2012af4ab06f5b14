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

/** The entities the sandbox F&O serves, with their keys and typed properties (resource sandbox/fno-catalog.json). */
final class FnoCatalog {

    record Property(String name, String type, String enumType, List<String> members, int index) {
        boolean isEnum() {
            return "Enum".equals(type);
        }
    }

    static final class Entity {
        private final String name;
        private final List<String> keys;
        private final Map<String, Property> properties;

        Entity(String name, List<String> keys, Map<String, Property> properties) {
            this.name = name;
            this.keys = keys;
            this.properties = properties;
        }

        String name() { return name; }
        List<String> keys() { return keys; }
        Property property(String n) { return properties.get(n); }
        Collection<Property> properties() { return properties.values(); }
        boolean companyScoped() { return keys.contains("dataAreaId"); }
    }

    private final Map<String, Entity> entities;

    private FnoCatalog(Map<String, Entity> entities) {
        this.entities = entities;
    }

    static FnoCatalog load() {
        try (InputStream in = FnoCatalog.class.getResourceAsStream("/sandbox/fno-catalog.json")) {
            JsonNode root = new ObjectMapper().readTree(in).path("entities");
            Map<String, Entity> map = new LinkedHashMap<>();
            root.fields().forEachRemaining(e -> {
                List<String> keys = new ArrayList<>();
                e.getValue().path("keys").forEach(k -> keys.add(k.asText()));
                Map<String, Property> props = new LinkedHashMap<>();
                int i = 0;
                for (JsonNode p : e.getValue().path("properties")) {
                    List<String> members = new ArrayList<>();
                    p.path("members").forEach(m -> members.add(m.asText()));
                    props.put(p.path("name").asText(), new Property(p.path("name").asText(), p.path("type").asText(),
                            p.path("enum").asText(null), List.copyOf(members), i++));
                }
                map.put(e.getKey(), new Entity(e.getKey(), List.copyOf(keys), props));
            });
            return new FnoCatalog(map);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Entity entity(String name) {
        return entities.get(name);
    }

    Collection<Entity> entities() {
        return entities.values();
    }
}
