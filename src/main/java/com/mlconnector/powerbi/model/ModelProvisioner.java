package com.mlconnector.powerbi.model;

import com.mlconnector.mapping.EntityMapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * The connector's semantic model in the workspace: created through the Fabric items API from the mappings the first
 * time (ModelDefinition), found by name afterwards. A model of that name the connector did not make (none of its
 * objects carries the connector's annotation) is never rewritten: it is only refreshed, and {@link Provisioned#ours()}
 * says so for check and status.
 */
public final class ModelProvisioner {
    private static final Logger LOG = LoggerFactory.getLogger(ModelProvisioner.class);

    /** The model: its id, whether this call created it or brought its definition in step, whether the connector made it. */
    public record Provisioned(String id, boolean created, boolean updated, boolean ours) {
    }

    private final FabricClient fabric;
    private final String name;
    private final List<EntityMapping> tables;
    private final LandingSource source;

    public ModelProvisioner(FabricClient fabric, String name, List<EntityMapping> tables, LandingSource source) {
        this.fabric = fabric;
        this.name = name;
        this.tables = List.copyOf(tables);
        this.source = source;
    }

    public synchronized Provisioned ensure() throws Exception {
        String id = fabric.find(name);
        if (id == null) {
            id = fabric.create(name, "Made by ml-connector from its mappings; imports the landing database " + source.database(),
                    ModelDefinition.parts(tables, source));
            LOG.info("Power BI: semantic model '{}' ({}) provisioned through the Fabric API with tables {}", name, id,
                    tables.stream().map(EntityMapping::table).toList());
            return new Provisioned(id, true, false, true);
        }
        Map<String, String> definition = fabric.definition(id);
        if (!ours(definition)) {
            LOG.warn("Power BI: the semantic model '{}' ({}) was not made by the connector: it is refreshed, never rewritten", name, id);
            return new Provisioned(id, false, false, false);
        }
        // the mappings may have gained a column or a table: the connector's own objects follow them, nothing else changes
        Map<String, String> merged = ModelUpdate.merge(definition, ModelDefinition.parts(tables, source));
        if (same(merged, definition)) {
            return new Provisioned(id, false, false, true);
        }
        fabric.updateDefinition(id, merged);
        LOG.info("Power BI: semantic model '{}' ({}) brought in step with the mappings; what was added in Power BI is kept", name, id);
        return new Provisioned(id, false, true, true);
    }

    /** What check says of the model, reading only: its id, whether the connector made it, the parts the next run changes. */
    public record Found(String id, boolean ours, List<String> behind) {
    }

    /** The model as it is now, or null when the workspace has none of that name; changes nothing. */
    public Found inspect() throws Exception {
        String id = fabric.find(name);
        if (id == null) {
            return null;
        }
        Map<String, String> definition = fabric.definition(id);
        if (!ours(definition)) {
            return new Found(id, false, List.of());
        }
        Map<String, String> merged = ModelUpdate.merge(definition, ModelDefinition.parts(tables, source));
        List<String> behind = merged.keySet().stream().filter(k -> !definition.containsKey(k)
                || !definition.get(k).stripTrailing().equals(merged.get(k).stripTrailing())).sorted().toList();
        return new Found(id, true, behind);
    }

    /** Made by the connector: one of its objects carries the connector's annotation. */
    private static boolean ours(Map<String, String> definition) {
        return definition.values().stream().anyMatch(t -> t.contains("annotation " + ModelDefinition.OWNER + " = managed"));
    }

    /** The same parts with the same text (trailing blank lines aside). */
    private static boolean same(Map<String, String> a, Map<String, String> b) {
        return a.keySet().equals(b.keySet()) && a.keySet().stream().allMatch(k -> a.get(k).stripTrailing().equals(b.get(k).stripTrailing()));
    }
}
