package com.mlconnector.sync;

import com.mlconnector.mapping.EntityMapping;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The loaded mappings, looked up by entity set or by target table name (either is accepted on the command line). */
public final class Mappings {
    private final Map<String, EntityMapping> byName = new LinkedHashMap<>();
    private final List<EntityMapping> all;

    public Mappings(List<EntityMapping> all) {
        this.all = List.copyOf(all);
        for (EntityMapping m : all) {
            byName.put(m.entitySet().toLowerCase(), m);
            byName.put(m.table().toLowerCase(), m);
        }
    }

    public List<EntityMapping> all() {
        return all;
    }

    public EntityMapping get(String name) {
        EntityMapping m = name == null ? null : byName.get(name.toLowerCase());
        if (m == null) {
            throw new IllegalArgumentException("no mapping for entity '" + name + "'; mapped: "
                    + all.stream().map(EntityMapping::table).toList());
        }
        return m;
    }
}
