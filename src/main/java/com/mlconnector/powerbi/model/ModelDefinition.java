package com.mlconnector.powerbi.model;

import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The definition of the import-mode semantic model over the landing database, as the Fabric items API takes it
 * (format TMDL): definition.pbism, definition/database.tmdl, definition/model.tmdl and one definition/tables/&lt;Table&gt;.tmdl
 * per table, each table typed from its mapping with an import partition that reads its landing table. Every object
 * the connector writes carries the annotation {@value #OWNER} (so an update changes only its own, never what people
 * added in Power BI) and a lineage tag derived from its name (so it stays the same object across updates).
 */
public final class ModelDefinition {
    /** The annotation that marks the tables, columns and partitions the connector owns. */
    public static final String OWNER = "MlConnector";
    static final int COMPATIBILITY_LEVEL = 1567;

    private ModelDefinition() {
    }

    /** Every part, by path, in the order Fabric lists them. */
    public static Map<String, String> parts(List<EntityMapping> tables, LandingSource source) {
        Map<String, String> parts = new LinkedHashMap<>();
        parts.put("definition.pbism", "{\n  \"version\": \"4.0\",\n  \"settings\": {}\n}\n");
        parts.put("definition/database.tmdl", new Tmdl().declaration(0, "database")
                .property(1, "compatibilityLevel", String.valueOf(COMPATIBILITY_LEVEL))
                .property(1, "compatibilityMode", "powerBI").text());
        Tmdl model = new Tmdl().object(0, "model", "Model")
                .property(1, "culture", "en-US")
                // without it the API answers "Import from JSON supported for V3 models only"
                .property(1, "defaultPowerBIDataSourceVersion", "powerBI_V3")
                .blank();
        for (EntityMapping m : tables) {
            model.declaration(0, "ref table " + Tmdl.name(m.table()));
        }
        parts.put("definition/model.tmdl", model.text());
        for (EntityMapping m : tables) {
            parts.put("definition/tables/" + m.table() + ".tmdl", table(m, source));
        }
        String relationships = relationships(tables);
        if (!relationships.isEmpty()) {
            parts.put("definition/relationships.tmdl", relationships);
        }
        return parts;
    }

    /**
     * The many-to-one joins the mappings declare between tables of the model (a join to a table left out of the model
     * is left out too); one whose column the other table does not have stops, naming the mapping.
     */
    static String relationships(List<EntityMapping> tables) {
        Map<String, EntityMapping> byTable = new LinkedHashMap<>();
        tables.forEach(m -> byTable.put(m.table(), m));
        Tmdl t = new Tmdl();
        for (EntityMapping m : tables) {
            for (EntityMapping.Relationship r : m.relationships()) {
                EntityMapping to = byTable.get(r.toTable());
                if (to == null) {
                    continue;
                }
                if (to.columns().stream().noneMatch(c -> c.name().equals(r.toColumn()))) {
                    throw new com.mlconnector.config.ConfigException(m.origin() + ": relationship " + r.column() + " -> " + r.toTable()
                            + "." + r.toColumn() + ": " + r.toTable() + " has no column " + r.toColumn());
                }
                String name = UUID.nameUUIDFromBytes(("ml-connector/" + m.table() + "." + r.column() + "->" + r.toTable() + "."
                        + r.toColumn()).getBytes(StandardCharsets.UTF_8)).toString();
                t.object(0, "relationship", name)
                        .property(1, "fromColumn", Tmdl.column(m.table(), r.column()))
                        .property(1, "toColumn", Tmdl.column(r.toTable(), r.toColumn()))
                        .blank()
                        .object(1, "annotation", OWNER, "managed")
                        .blank();
            }
        }
        return t.text();
    }

    /** One table: its columns typed from the mapping and a partition importing its landing table. */
    static String table(EntityMapping m, LandingSource source) {
        Tmdl t = new Tmdl().object(0, "table", m.table())
                .property(1, "lineageTag", lineage(m.table(), null))
                .blank();
        for (TargetColumn c : m.columns()) {
            t.object(1, "column", c.name())
                    .property(2, "dataType", dataType(c))
                    .property(2, "lineageTag", lineage(m.table(), c.name()))
                    .property(2, "summarizeBy", c.type() == com.mlconnector.mapping.ColumnType.DECIMAL ? "sum" : "none")
                    .property(2, "sourceColumn", c.name())
                    .blank()
                    .object(2, "annotation", OWNER, "managed")
                    .blank();
        }
        t.object(1, "partition", m.table(), "m")
                .property(2, "mode", "import")
                .expression(2, "source", source.mExpression(m.table()))
                .blank()
                .object(1, "annotation", OWNER, "managed");
        return t.text();
    }

    /** The TMDL data type of a mapped column. */
    static String dataType(TargetColumn c) {
        return switch (c.type()) {
            case STRING, ENUM -> "string";
            case INT, LONG -> "int64";
            case DECIMAL -> "decimal"; // fixed decimal: amounts add up to the cent, as the ledger does
            case BOOLEAN -> "boolean";
            case DATE, DATETIME -> "dateTime";
        };
    }

    /** The same object gets the same lineage tag in every definition the connector writes. */
    static String lineage(String table, String column) {
        return UUID.nameUUIDFromBytes(("ml-connector/" + table + (column == null ? "" : "/" + column))
                .getBytes(StandardCharsets.UTF_8)).toString();
    }
}
