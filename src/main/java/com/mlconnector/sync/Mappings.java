package com.mlconnector.sync;

import com.mlconnector.mapping.EntityMapping;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The loaded mappings, looked up by entity set or by target table name (either is accepted on the command line). */
public final class Mappings {
    private final Map<String, EntityMapping> byName = new LinkedHashMap<>();
    private final List<EntityMapping> all;
    private final List<EntityMapping> files;

    public Mappings(List<EntityMapping> all) {
        this(all, all);
    }

    /**
     * @param all   the mappings in use, one per table
     * @param files every mapping file, the alternatives not in use included
     */
    public Mappings(List<EntityMapping> all, List<EntityMapping> files) {
        this.all = List.copyOf(all);
        this.files = List.copyOf(files);
        for (EntityMapping m : all) {
            byName.put(m.entitySet().toLowerCase(), m);
            byName.put(m.table().toLowerCase(), m);
        }
    }

    public List<EntityMapping> all() {
        return all;
    }

    /** The other sources of a table: mappings of the same table not in use (e.g. an alternative entity set). */
    public List<EntityMapping> alternativesOf(EntityMapping inUse) {
        return files.stream().filter(m -> m != inUse && m.table().equalsIgnoreCase(inUse.table())).toList();
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
