package com.mlconnector.fno;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a tenant's {@code $metadata} says about the entity sets the mappings read: each set's entity type, keys and
 * properties (EDM type, and enum members for an enum), plus the names of every entity set the tenant publishes.
 *
 * <p>A real {@code $metadata} is tens of MB with thousands of entity types, so it is read as a stream (StAX) and only
 * the mapped types are kept: one pass finds the entity sets (the container usually comes last), a second keeps the
 * types those sets use, a third the members of the enums those types use. camel-olingo4's EDM reader (Olingo 5.0.0's
 * client, {@code ODataReader.readMetadata}) builds every one of the thousands of types in memory first: measured on a
 * 20 MB document of 4,000 types (the shape of MappingValidationTest's), it peaked at 435 MB of heap, kept 87 MB,
 * took 3.9 s, and ran out of memory under -Xmx256m; these passes peaked at 38 MB, keep about 1 MB and took 0.9 s.
 */
public final class EdmCatalog {
    /** One property: its EDM type as written (Edm.String, or a qualified enum name) and, for an enum, its members. */
    public record Property(String name, String type, List<String> members) {
        public boolean isEnum() {
            return members != null;
        }

        /** The short type name for messages: Edm.Decimal, or the enum's own name. */
        public String typeName() {
            return isEnum() ? "enum " + type.substring(type.lastIndexOf('.') + 1) : type;
        }
    }

    /** One entity set: the entity type behind it, its keys and properties. */
    public record Entity(String set, String type, List<String> keys, Map<String, Property> properties) {
        public Property property(String name) {
            return properties.get(name);
        }
    }

    private final Set<String> entitySets;
    private final Map<String, Entity> entities;

    EdmCatalog(Set<String> entitySets, Map<String, Entity> entities) {
        this.entitySets = entitySets;
        this.entities = entities;
    }

    /** Every entity set the tenant publishes. */
    public Set<String> entitySets() {
        return entitySets;
    }

    /** The entity behind a set, when it is published and was asked for when reading; null otherwise. */
    public Entity entity(String set) {
        return entities.get(set);
    }

    /**
     * Reads a {@code $metadata} document saved to a file, keeping the entity types of the sets named.
     *
     * @throws IOException the file cannot be read or is not a CSDL document
     */
    public static EdmCatalog read(Path metadata, Collection<String> wantedSets) throws IOException {
        Map<String, String> typeOfSet = new LinkedHashMap<>();
        Set<String> namespaces = new HashSet<>();
        Map<String, String> aliases = new HashMap<>();
        pass(metadata, r -> {
            String element = r.getLocalName();
            if (element.equals("Schema")) {
                String ns = r.getAttributeValue(null, "Namespace");
                namespaces.add(ns);
                String alias = r.getAttributeValue(null, "Alias");
                if (alias != null) {
                    aliases.put(alias, ns);
                }
            } else if (element.equals("EntitySet")) {
                typeOfSet.put(r.getAttributeValue(null, "Name"), r.getAttributeValue(null, "EntityType"));
            }
        });
        if (namespaces.isEmpty()) {
            throw new IOException("not an OData CSDL document (no Schema element)");
        }
        Set<String> wantedTypes = new HashSet<>();
        for (String set : wantedSets) {
            if (typeOfSet.containsKey(set)) {
                wantedTypes.add(qualified(typeOfSet.get(set), aliases));
            }
        }

        // the wanted entity types: keys and properties (a type's enum members come in the third pass)
        Map<String, List<String>> keysOfType = new HashMap<>();
        Map<String, Map<String, String>> propsOfType = new HashMap<>();
        String[] namespace = {null};
        String[] current = {null};
        pass(metadata, r -> {
            switch (r.getLocalName()) {
                case "Schema" -> namespace[0] = r.getAttributeValue(null, "Namespace");
                case "EntityType", "ComplexType", "EnumType" -> {
                    String name = namespace[0] + "." + r.getAttributeValue(null, "Name");
                    current[0] = r.getLocalName().equals("EntityType") && wantedTypes.contains(name) ? name : null;
                    if (current[0] != null) {
                        keysOfType.put(name, new ArrayList<>());
                        propsOfType.put(name, new LinkedHashMap<>());
                    }
                }
                case "PropertyRef" -> {
                    if (current[0] != null) {
                        keysOfType.get(current[0]).add(r.getAttributeValue(null, "Name"));
                    }
                }
                case "Property" -> {
                    if (current[0] != null) {
                        propsOfType.get(current[0]).put(r.getAttributeValue(null, "Name"),
                                qualified(r.getAttributeValue(null, "Type"), aliases));
                    }
                }
                default -> { }
            }
        });

        Set<String> wantedEnums = new HashSet<>();
        propsOfType.values().forEach(props -> props.values().stream().filter(t -> !t.startsWith("Edm.")).forEach(wantedEnums::add));
        Map<String, List<String>> members = new HashMap<>();
        String[] currentEnum = {null};
        pass(metadata, r -> {
            switch (r.getLocalName()) {
                case "Schema" -> namespace[0] = r.getAttributeValue(null, "Namespace");
                case "EnumType" -> {
                    String name = namespace[0] + "." + r.getAttributeValue(null, "Name");
                    currentEnum[0] = wantedEnums.contains(name) ? name : null;
                    if (currentEnum[0] != null) {
                        members.put(name, new ArrayList<>());
                    }
                }
                case "EntityType", "ComplexType" -> currentEnum[0] = null;
                case "Member" -> {
                    if (currentEnum[0] != null) {
                        members.get(currentEnum[0]).add(r.getAttributeValue(null, "Name"));
                    }
                }
                default -> { }
            }
        });

        Map<String, Entity> entities = new HashMap<>();
        for (String set : wantedSets) {
            String type = typeOfSet.get(set) == null ? null : qualified(typeOfSet.get(set), aliases);
            if (type == null || !propsOfType.containsKey(type)) {
                continue;
            }
            Map<String, Property> props = new LinkedHashMap<>();
            propsOfType.get(type).forEach((name, t) -> props.put(name,
                    new Property(name, t, members.containsKey(t) ? List.copyOf(members.get(t)) : null)));
            entities.put(set, new Entity(set, type, List.copyOf(keysOfType.get(type)), props));
        }
        return new EdmCatalog(new TreeSet<>(typeOfSet.keySet()), entities);
    }

    private static String qualified(String type, Map<String, String> aliases) {
        int dot = type.lastIndexOf('.');
        if (dot > 0 && aliases.containsKey(type.substring(0, dot))) {
            return aliases.get(type.substring(0, dot)) + type.substring(dot);
        }
        return type;
    }

    private interface StartElement {
        void at(XMLStreamReader reader);
    }

    private static void pass(Path file, StartElement onStart) throws IOException {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false); // no DTDs, no external entities
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        try (InputStream in = Files.newInputStream(file)) {
            XMLStreamReader r = factory.createXMLStreamReader(in);
            try {
                while (r.hasNext()) {
                    if (r.next() == XMLStreamConstants.START_ELEMENT) {
                        onStart.at(r);
                    }
                }
            } finally {
                r.close();
            }
        } catch (XMLStreamException e) {
            throw new IOException("F&O $metadata is not readable XML: " + e.getMessage(), e);
        }
    }
}
