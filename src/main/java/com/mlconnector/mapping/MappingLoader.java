package com.mlconnector.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.mlconnector.config.ConfigException;
import org.quartz.CronExpression;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the entity mappings, one YAML file per entity in {@code mappings/}. Every problem is reported with the
 * file and field it is in, so a bad edit stops start-up with a message the engineer can act on.
 */
public final class MappingLoader {
    /** Names end up as SQL identifiers and Power BI table names: keep them plain. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,62}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private MappingLoader() {
    }

    /** The mappings in use, each table's default source (see {@link #select}). */
    public static List<EntityMapping> loadFolder(Path folder) {
        return loadFolder(folder, key -> null);
    }

    /** The mappings in use: for each table, the one {@code mapping.<Table>} chooses, or its only non-alternative one. */
    public static List<EntityMapping> loadFolder(Path folder, Function<String, String> setting) {
        return select(loadAll(folder), setting);
    }

    /** Every mapping file of the folder, alternatives included. */
    public static List<EntityMapping> loadAll(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new MappingException("mappings folder not found: " + folder.toAbsolutePath()
                    + " (set connector.mappings-dir or run from the directory that holds mappings/)");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new MappingException("cannot list " + folder + ": " + e.getMessage());
        }
        if (files.isEmpty()) {
            throw new MappingException("no mapping files (*.yaml) in " + folder.toAbsolutePath());
        }
        List<EntityMapping> result = new ArrayList<>();
        Set<String> entities = new HashSet<>();
        for (Path file : files) {
            EntityMapping m = load(file);
            if (!entities.add(m.entitySet())) {
                throw new MappingException(file + ": entity '" + m.entitySet() + "' is mapped twice");
            }
            result.add(m);
        }
        return List.copyOf(result);
    }

    /**
     * One mapping per table. A table may have several sources (the same posted ledger entries are published as
     * GeneralJournalAccountEntries by some tenants and as GeneralJournalAccountEntryBiEntities by others): the
     * property {@code mapping.<Table>} names the entity set to use; without it, the one mapping not marked
     * {@code alternative: true}.
     */
    public static List<EntityMapping> select(List<EntityMapping> all, Function<String, String> setting) {
        Map<String, List<EntityMapping>> byTable = new LinkedHashMap<>();
        for (EntityMapping m : all) {
            byTable.computeIfAbsent(m.table().toLowerCase(Locale.ROOT), t -> new ArrayList<>()).add(m);
        }
        List<EntityMapping> chosen = new ArrayList<>();
        for (List<EntityMapping> sources : byTable.values()) {
            String table = sources.get(0).table();
            String key = "mapping." + table;
            String wanted = setting.apply(key);
            List<String> files = sources.stream().map(m -> m.file() + " (" + m.entitySet() + ")").toList();
            if (wanted != null && !wanted.isBlank()) {
                chosen.add(sources.stream().filter(m -> m.entitySet().equalsIgnoreCase(wanted.trim())).findFirst()
                        .orElseThrow(() -> new ConfigException(key + "=" + wanted + ": no mapping of " + table
                                + " reads that entity set; its mappings: " + files)));
                continue;
            }
            List<EntityMapping> defaults = sources.stream().filter(m -> !m.alternative()).toList();
            if (defaults.size() != 1) {
                throw new MappingException("table '" + table + "' has " + (defaults.isEmpty() ? "only alternative" : defaults.size())
                        + " mappings " + files + ": mark all but one 'alternative: true', or choose one with " + key + "=<entity set>");
            }
            chosen.add(defaults.get(0));
        }
        return List.copyOf(chosen);
    }

    public static EntityMapping load(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new MappingException(file + ": not valid YAML: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new MappingException(file + ": expected a mapping with entity, table, key and columns");
        }
        String where = file.getFileName().toString();
        String entity = name(root, "entity", where);
        String table = name(root, "table", where);
        List<String> keys = new ArrayList<>();
        JsonNode keyNode = root.path("key");
        if (!keyNode.isArray() || keyNode.isEmpty()) {
            throw new MappingException(where + ": 'key' must list the entity's key properties, e.g. [dataAreaId, VendorAccountNumber]");
        }
        keyNode.forEach(k -> keys.add(k.asText()));
        String schedule = root.path("schedule").asText("0 0 * * * ?");
        if (!CronExpression.isValidExpression(schedule)) {
            throw new MappingException(where + ": 'schedule' is not a valid Quartz cron expression: " + schedule);
        }

        List<TargetColumn> columns = new ArrayList<>();
        JsonNode cols = root.path("columns");
        if (!cols.isArray() || cols.isEmpty()) {
            throw new MappingException(where + ": 'columns' must list at least the key columns");
        }
        for (int i = 0; i < cols.size(); i++) {
            JsonNode c = cols.get(i);
            String at = where + " columns[" + i + "]";
            String source = text(c, "source", at);
            String name = c.hasNonNull("name") ? name(c, "name", at) : checkName(source, at + ".source");
            columns.add(new TargetColumn(name, ColumnType.parse(text(c, "type", at), at + ".type"), source, -1));
        }
        JsonNode dims = root.path("dimensions");
        for (int i = 0; i < dims.size(); i++) {
            JsonNode d = dims.get(i);
            String at = where + " dimensions[" + i + "]";
            String source = text(d, "source", at);
            JsonNode segments = d.path("segments");
            if (!segments.isArray() || segments.isEmpty()) {
                throw new MappingException(at + ": 'segments' must name the column of each dimension segment, in order");
            }
            for (int s = 0; s < segments.size(); s++) {
                String seg = segments.get(s).asText();
                if (seg.isBlank() || "-".equals(seg)) {
                    continue; // a segment the engineer chose not to land
                }
                columns.add(new TargetColumn(checkName(seg, at + ".segments[" + s + "]"), ColumnType.STRING, source, s));
            }
        }
        if (columns.size() > EntityMapping.MAX_COLUMNS) {
            throw new MappingException(where + ": " + columns.size() + " columns, more than the "
                    + EntityMapping.MAX_COLUMNS + " a Power BI table allows");
        }
        Set<String> seen = new HashSet<>();
        for (TargetColumn c : columns) {
            if (!seen.add(c.name().toLowerCase())) {
                throw new MappingException(where + ": column '" + c.name() + "' appears twice");
            }
        }
        boolean companyScoped = keys.contains("dataAreaId");
        ChangePolicy change = change(root.path("change"), where, columns);
        boolean alternative = root.path("alternative").asBoolean(false);
        return new EntityMapping(entity, table, keys, columns, companyScoped, schedule, change).from(where, alternative)
                .reconcileOn(reconcile(root, where, change)).relatedBy(relationships(root, where, columns));
    }

    /**
     * {@code relationships: [{ column: MainAccountRecId, to: GLAccounts.MainAccountRecId }]}: many-to-one joins from a
     * column of this table (the other table and column are checked where the model is built, against its mappings).
     */
    private static List<EntityMapping.Relationship> relationships(JsonNode root, String where, List<TargetColumn> columns) {
        JsonNode list = root.path("relationships");
        if (list.isMissingNode() || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new MappingException(where + ": 'relationships' is a list of { column: <column>, to: <Table>.<Column> }");
        }
        List<EntityMapping.Relationship> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = where + " relationships[" + i + "]";
            String column = list.get(i).path("column").asText("").trim();
            String to = list.get(i).path("to").asText("").trim();
            if (columns.stream().noneMatch(c -> c.name().equals(column))) {
                throw new MappingException(at + ": column '" + column + "' is not a column of this mapping");
            }
            int dot = to.indexOf('.');
            if (dot <= 0 || dot == to.length() - 1) {
                throw new MappingException(at + ": 'to' must be <Table>.<Column>, got '" + to + "'");
            }
            out.add(new EntityMapping.Relationship(column, to.substring(0, dot), to.substring(dot + 1)));
        }
        return out;
    }

    /** Nightly (02:30) where the change strategy misses something; "none" switches it off. */
    static final String DEFAULT_RECONCILE = "0 30 2 * * ?";

    private static String reconcile(JsonNode root, String where, ChangePolicy change) {
        String cron = root.path("reconcile").asText(change.tellsDeletes() ? "none" : DEFAULT_RECONCILE).trim();
        if (cron.equalsIgnoreCase("none")) {
            return null;
        }
        if (!CronExpression.isValidExpression(cron)) {
            throw new MappingException(where + ": 'reconcile' is not a valid Quartz cron expression (or none): " + cron);
        }
        return cron;
    }

    private static ChangePolicy change(JsonNode node, String where, List<TargetColumn> columns) {
        if (node.isMissingNode() || node.isNull()) {
            return ChangePolicy.SNAPSHOT;
        }
        String at = where + " change";
        String s = text(node, "strategy", at).toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        ChangePolicy.Strategy strategy;
        try {
            strategy = ChangePolicy.Strategy.valueOf(s);
        } catch (IllegalArgumentException e) {
            throw new MappingException(at + ".strategy: use growing-key, date-window, modified-since or snapshot (got '"
                    + node.path("strategy").asText() + "')");
        }
        if (strategy == ChangePolicy.Strategy.SNAPSHOT) {
            return ChangePolicy.SNAPSHOT;
        }
        String column = text(node, "column", at);
        TargetColumn c = columns.stream().filter(t -> t.source().equals(column) && !t.isDimensionSegment()).findFirst()
                .orElseThrow(() -> new MappingException(at + ".column: '" + column + "' must be a mapped column"));
        if (strategy == ChangePolicy.Strategy.GROWING_KEY && c.type() != ColumnType.LONG && c.type() != ColumnType.INT) {
            throw new MappingException(at + ".column: a growing key must be a long or int column, '" + column + "' is " + c.type());
        }
        if (strategy == ChangePolicy.Strategy.DATE_WINDOW && c.type() != ColumnType.DATE && c.type() != ColumnType.DATETIME) {
            throw new MappingException(at + ".column: a date window needs a date or datetime column, '" + column + "' is " + c.type());
        }
        if (strategy == ChangePolicy.Strategy.MODIFIED_SINCE) {
            if (c.type() != ColumnType.DATETIME) {
                throw new MappingException(at + ".column: modified-since needs a datetime column, '" + column + "' is " + c.type());
            }
            long minutes = node.path("overlap-minutes").asLong(60);
            if (minutes < 0) {
                throw new MappingException(at + ".overlap-minutes cannot be negative");
            }
            return new ChangePolicy(strategy, column, minutes * 60, 0);
        }
        long overlap = node.path("overlap").asLong(1000);
        int lookBack = node.path("look-back-days").asInt(30);
        if (overlap < 0 || lookBack < 0) {
            throw new MappingException(at + ": overlap and look-back-days cannot be negative");
        }
        return new ChangePolicy(strategy, column, overlap, lookBack);
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull() || v.asText().isBlank()) {
            throw new MappingException(where + ": '" + field + "' is missing");
        }
        return v.asText().trim();
    }

    private static String name(JsonNode node, String field, String where) {
        return checkName(text(node, field, where), where + "." + field);
    }

    private static String checkName(String value, String where) {
        if (!NAME.matcher(value).matches()) {
            throw new MappingException(where + ": '" + value + "' is not a plain name (letters, digits, underscore; starting with a letter)");
        }
        return value;
    }
}
