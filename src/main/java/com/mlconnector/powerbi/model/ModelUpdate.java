package com.mlconnector.powerbi.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The definition a model of the connector's gets when the mappings changed: the connector's own objects (those that
 * carry its annotation) as the mappings make them now; everything else as it is in the model: measures, calculated
 * columns, hierarchies and tables people added in Power BI, relationships they drew, parts the connector does not write.
 * Fabric's updateDefinition replaces the whole definition, so every part is sent.
 */
public final class ModelUpdate {
    private ModelUpdate() {
    }

    /** The merged definition; equal to {@code current} when nothing of the connector's changed. */
    public static Map<String, String> merge(Map<String, String> current, Map<String, String> desired) {
        Map<String, String> merged = new LinkedHashMap<>(current);
        for (Map.Entry<String, String> d : desired.entrySet()) {
            String path = d.getKey();
            String now = current.get(path);
            if (now == null) {
                merged.put(path, d.getValue()); // a table (or part) the model lacks
            } else if (path.startsWith("definition/tables/")) {
                merged.put(path, table(now, d.getValue()));
            } else if (path.equals("definition/relationships.tmdl")) {
                merged.put(path, keepTheirs(now, d.getValue(), 0));
            } else if (path.equals("definition/model.tmdl")) {
                merged.put(path, withRefs(now, d.getValue()));
            }
            // definition.pbism, database.tmdl: the model's own, left as they are
        }
        if (!current.containsKey("definition/relationships.tmdl") && desired.containsKey("definition/relationships.tmdl")) {
            merged.put("definition/relationships.tmdl", desired.get("definition/relationships.tmdl"));
        }
        return merged;
    }

    /** A table of the connector's: its header and objects as now made, then the objects people added to it. */
    private static String table(String now, String desired) {
        return keepTheirs(now, desired, 1);
    }

    /** The desired text, then the blocks at {@code depth} of {@code now} that are not the connector's nor in desired. */
    private static String keepTheirs(String now, String desired, int depth) {
        List<Tmdl.Block> mine = Tmdl.blocks(desired, depth);
        Set<String> made = mine.stream().filter(b -> !b.name().isEmpty()).map(b -> b.kind() + " " + b.name()).collect(Collectors.toSet());
        StringBuilder out = new StringBuilder(desired.stripTrailing()).append('\n');
        for (Tmdl.Block b : Tmdl.blocks(now, depth)) {
            boolean object = !b.name().isEmpty() && !b.kind().equals("annotation");
            if (object && !b.annotated(ModelDefinition.OWNER, depth) && !made.contains(b.kind() + " " + b.name())) {
                out.append('\n').append(b.text());
            }
        }
        return out.toString();
    }

    /** The model part as it is, with a {@code ref table} line for each table the connector now makes that it lacks. */
    private static String withRefs(String now, String desired) {
        StringBuilder out = new StringBuilder(now.stripTrailing()).append('\n');
        Set<String> have = now.lines().map(String::strip).filter(l -> l.startsWith("ref table ")).collect(Collectors.toSet());
        desired.lines().map(String::strip).filter(l -> l.startsWith("ref table ") && !have.contains(l))
                .forEach(l -> out.append(l).append('\n'));
        return out.toString();
    }
}
