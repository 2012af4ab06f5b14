package com.mlconnector.sandbox;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sandbox Power BI's reading of a semantic model definition in TMDL, as the Fabric items API takes one (parts by
 * path), written from the published format (shared/reference/api-facts.md, "Power BI semantic models"), not from the
 * connector's writer. It refuses what Fabric refuses: a required part missing, TMDL and TMSL parts together, a line
 * indented with spaces or more than one level below its parent, a property an object does not have, a data type TMDL
 * does not know, two tables (or two columns of a table) of one name, a model that is not a V3 one, a reference to a
 * table that is not defined, a relationship naming a column no table has.
 */
public final class TmdlModel {
    /** A definition Fabric would refuse; the message says where (part and line) and why. */
    public static final class InvalidDefinition extends RuntimeException {
        InvalidDefinition(String message) {
            super(message);
        }
    }

    public record Column(String name, String dataType, String sourceColumn, Map<String, String> annotations) {
    }

    public record Partition(String name, String kind, String mode, String source) {
    }

    public record Measure(String name, String expression) {
    }

    public record Table(String name, List<Column> columns, List<Partition> partitions, List<Measure> measures,
                        Map<String, String> annotations) {
        public Column column(String n) {
            return columns.stream().filter(c -> c.name().equals(n)).findFirst().orElse(null);
        }
    }

    public record Relationship(String name, String fromColumn, String toColumn, boolean active) {
    }

    static final Set<String> DATA_TYPES = Set.of("string", "int64", "double", "decimal", "dateTime", "boolean", "binary");
    private static final Map<String, Set<String>> PROPERTIES = Map.of(
            "database", Set.of("compatibilityLevel", "compatibilityMode"),
            "model", Set.of("culture", "defaultPowerBIDataSourceVersion", "discourageImplicitMeasures", "sourceQueryCulture",
                    "defaultMode"),
            "table", Set.of("lineageTag", "isHidden", "description", "dataCategory", "sourceLineageTag", "isPrivate"),
            "column", Set.of("dataType", "sourceColumn", "summarizeBy", "formatString", "isHidden", "lineageTag", "dataCategory",
                    "isKey", "sortByColumn", "displayFolder", "sourceLineageTag", "isNullable", "description"),
            "measure", Set.of("formatString", "lineageTag", "displayFolder", "isHidden", "description"),
            "partition", Set.of("mode", "source", "queryGroup"),
            "relationship", Set.of("fromColumn", "toColumn", "isActive", "crossFilteringBehavior", "fromCardinality",
                    "toCardinality", "relyOnReferentialIntegrity", "joinOnDateBehavior", "securityFilteringBehavior"),
            "hierarchy", Set.of("lineageTag", "isHidden", "displayFolder"),
            "level", Set.of("lineageTag", "column"),
            "expression", Set.of("lineageTag", "queryGroup", "description"));
    /** Which objects may be declared in which (the top level is ""). */
    private static final Map<String, Set<String>> CHILDREN = Map.ofEntries(
            Map.entry("", Set.of("database", "model", "ref", "table", "relationship", "expression", "annotation", "culture")),
            Map.entry("model", Set.of("annotation")),
            Map.entry("database", Set.of("annotation")),
            Map.entry("table", Set.of("column", "measure", "partition", "hierarchy", "annotation")),
            Map.entry("column", Set.of("annotation")),
            Map.entry("measure", Set.of("annotation")),
            Map.entry("partition", Set.of("annotation")),
            Map.entry("relationship", Set.of("annotation")),
            Map.entry("hierarchy", Set.of("level", "annotation")),
            Map.entry("level", Set.of("annotation")),
            Map.entry("expression", Set.of("annotation")));

    private final Map<String, Table> tables = new LinkedHashMap<>();
    private final List<Relationship> relationships = new ArrayList<>();
    private final List<String> refs = new ArrayList<>();
    private final Map<String, String> model = new LinkedHashMap<>();

    private TmdlModel() {
    }

    public Map<String, Table> tables() {
        return tables;
    }

    public List<Relationship> relationships() {
        return relationships;
    }

    /** Reads a definition given as Fabric's parts (path → base64 payload). */
    public static TmdlModel fromBase64Parts(Map<String, String> parts) {
        Map<String, String> text = new LinkedHashMap<>();
        parts.forEach((path, payload) -> {
            try {
                text.put(path, new String(Base64.getDecoder().decode(payload), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new InvalidDefinition(path + ": the payload is not base64");
            }
        });
        return read(text);
    }

    /** Reads a definition given as text parts by path. */
    public static TmdlModel read(Map<String, String> parts) {
        if (parts.containsKey("model.bim") && parts.keySet().stream().anyMatch(p -> p.startsWith("definition/"))) {
            throw new InvalidDefinition("the definition has both model.bim (TMSL) and definition/ (TMDL) parts: one format only");
        }
        for (String required : List.of("definition.pbism", "definition/database.tmdl", "definition/model.tmdl")) {
            if (!parts.containsKey(required)) {
                throw new InvalidDefinition("the required part " + required + " is missing");
            }
        }
        TmdlModel m = new TmdlModel();
        for (Map.Entry<String, String> p : parts.entrySet()) {
            if (p.getKey().endsWith(".tmdl")) {
                m.parse(p.getKey(), p.getValue());
            }
        }
        if (!"powerBI_V3".equals(m.model.get("defaultPowerBIDataSourceVersion"))) {
            throw new InvalidDefinition("definition/model.tmdl: Import from JSON supported for V3 models only "
                    + "(defaultPowerBIDataSourceVersion: powerBI_V3)");
        }
        for (String ref : m.refs) {
            if (!m.tables.containsKey(ref)) {
                throw new InvalidDefinition("definition/model.tmdl: ref table " + ref + " names a table no part defines");
            }
        }
        for (Relationship r : m.relationships) {
            for (String end : List.of(r.fromColumn(), r.toColumn())) {
                String[] tc = splitColumnRef(end);
                Table t = m.tables.get(tc[0]);
                if (t == null || t.column(tc[1]) == null) {
                    throw new InvalidDefinition("relationship " + r.name() + ": " + end + " is not a column of the model");
                }
            }
        }
        return m;
    }

    /** An object being read: its kind, name, depth and what it has gathered. */
    private static final class Node {
        final String kind;
        final String name;
        final int depth;
        final Map<String, String> props = new LinkedHashMap<>();
        final Map<String, String> annotations = new LinkedHashMap<>();
        final List<Node> children = new ArrayList<>();
        String value;

        Node(String kind, String name, int depth) {
            this.kind = kind;
            this.name = name;
            this.depth = depth;
        }
    }

    private void parse(String part, String text) {
        String[] lines = text.split("\r?\n", -1);
        List<Node> stack = new ArrayList<>();
        List<Node> top = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            int depth = 0;
            while (depth < line.length() && line.charAt(depth) == '\t') {
                depth++;
            }
            String where = part + " line " + (i + 1);
            if (line.charAt(depth) == ' ') {
                throw new InvalidDefinition(where + ": indented with spaces; TMDL indents with tabs, one per level");
            }
            String body = line.substring(depth);
            while (!stack.isEmpty() && stack.get(stack.size() - 1).depth >= depth) {
                stack.remove(stack.size() - 1);
            }
            Node parent = stack.isEmpty() ? null : stack.get(stack.size() - 1);
            int expected = parent == null ? 0 : parent.depth + 1;
            if (depth != expected) {
                throw new InvalidDefinition(where + ": indented " + depth + " levels where " + expected + " were expected");
            }
            String word = body.split("[ :=]", 2)[0];
            String parentKind = parent == null ? "" : parent.kind;
            if (CHILDREN.getOrDefault(parentKind, Set.of()).contains(word) && !body.startsWith(word + ":")) {
                Node n = declaration(where, word, body.substring(word.length()).trim(), depth);
                if (n.value != null && n.value.isEmpty()) {
                    // `measure X =` / `expression X =`: the expression follows, one level deeper
                    i = expressionBody(lines, i, depth + 1, b -> n.value = b);
                }
                if (parent == null) {
                    top.add(n);
                } else if (n.kind.equals("annotation")) {
                    parent.annotations.put(n.name, n.value);
                } else {
                    parent.children.add(n);
                }
                stack.add(n);
                continue;
            }
            if (parent == null) {
                throw new InvalidDefinition(where + ": '" + word + "' is not a TMDL object that can stand at the top level");
            }
            String key;
            String value;
            int colon = body.indexOf(':');
            int eq = body.indexOf('=');
            if (colon > 0 && (eq < 0 || colon < eq)) {
                key = body.substring(0, colon).trim();
                value = body.substring(colon + 1).trim();
            } else if (eq > 0) {
                key = body.substring(0, eq).trim();
                value = body.substring(eq + 1).trim();
                if (value.isEmpty()) {
                    String[] holder = new String[1];
                    i = expressionBody(lines, i, depth + 1, b -> holder[0] = b);
                    value = holder[0];
                }
            } else {
                key = body.trim(); // a flag: isHidden
                value = "true";
            }
            if (!PROPERTIES.getOrDefault(parent.kind, Set.of()).contains(key)) {
                throw new InvalidDefinition(where + ": " + parent.kind + " " + parent.name + " has no property '" + key + "'");
            }
            if (key.equals("dataType") && !DATA_TYPES.contains(value)) {
                throw new InvalidDefinition(where + ": dataType '" + value + "' is not a TMDL data type " + DATA_TYPES);
            }
            parent.props.put(key, value);
        }
        for (Node n : top) {
            collect(part, n);
        }
    }

    /** The lines of an expression, each at least {@code depth} tabs deep (the tabs taken off); returns the last line read. */
    private static int expressionBody(String[] lines, int at, int depth, java.util.function.Consumer<String> into) {
        StringBuilder sb = new StringBuilder();
        int i = at + 1;
        for (; i < lines.length; i++) {
            String l = lines[i];
            if (!l.isBlank() && !l.startsWith("\t".repeat(depth))) {
                break;
            }
            sb.append(l.isBlank() ? "" : l.substring(depth)).append('\n');
        }
        into.accept(sb.toString().strip());
        return i - 1;
    }

    private static Node declaration(String where, String kind, String rest, int depth) {
        if (kind.equals("database") && rest.isEmpty()) {
            return new Node(kind, "", depth);
        }
        if (kind.equals("ref")) {
            if (!rest.startsWith("table ")) {
                throw new InvalidDefinition(where + ": a reference is 'ref table <name>'");
            }
            Node n = new Node(kind, unquote(where, rest.substring("table ".length()).trim()), depth);
            return n;
        }
        String name;
        String value = null;
        int eq = nameEnd(rest);
        name = unquote(where, rest.substring(0, eq).trim());
        String after = rest.substring(eq).trim();
        if (after.startsWith("=")) {
            value = after.substring(1).trim();
        } else if (!after.isEmpty()) {
            throw new InvalidDefinition(where + ": unexpected '" + after + "' after " + kind + " " + name);
        }
        if (name.isEmpty()) {
            throw new InvalidDefinition(where + ": " + kind + " without a name");
        }
        Node n = new Node(kind, name, depth);
        n.value = value;
        return n;
    }

    /** Where a (possibly quoted) name ends. */
    private static int nameEnd(String s) {
        if (s.startsWith("'")) {
            int i = 1;
            while (i < s.length()) {
                if (s.charAt(i) == '\'') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '\'') {
                        i += 2;
                        continue;
                    }
                    return i + 1;
                }
                i++;
            }
            return s.length();
        }
        int eq = s.indexOf('=');
        return eq < 0 ? s.length() : eq;
    }

    private static String unquote(String where, String n) {
        if (n.startsWith("'")) {
            if (n.length() < 2 || !n.endsWith("'")) {
                throw new InvalidDefinition(where + ": the quoted name " + n + " is not closed");
            }
            return n.substring(1, n.length() - 1).replace("''", "'");
        }
        if (!n.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new InvalidDefinition(where + ": the name " + n + " must be in single quotes");
        }
        return n;
    }

    private static String[] splitColumnRef(String ref) {
        int dot = ref.startsWith("'") ? nameEnd(ref) : ref.indexOf('.');
        if (dot <= 0 || dot >= ref.length() || ref.charAt(dot) != '.') {
            return new String[] {ref, ""};
        }
        return new String[] {unquote("relationship", ref.substring(0, dot)), unquote("relationship", ref.substring(dot + 1))};
    }

    private void collect(String part, Node n) {
        switch (n.kind) {
            case "model" -> model.putAll(n.props);
            case "ref" -> refs.add(n.name);
            case "relationship" -> {
                if (n.props.get("fromColumn") == null || n.props.get("toColumn") == null) {
                    throw new InvalidDefinition(part + ": relationship " + n.name + " needs fromColumn and toColumn");
                }
                relationships.add(new Relationship(n.name, n.props.get("fromColumn"), n.props.get("toColumn"),
                        !"false".equals(n.props.get("isActive"))));
            }
            case "table" -> {
                if (tables.containsKey(n.name)) {
                    throw new InvalidDefinition(part + ": a second table named " + n.name);
                }
                List<Column> columns = new ArrayList<>();
                List<Partition> partitions = new ArrayList<>();
                List<Measure> measures = new ArrayList<>();
                for (Node c : n.children) {
                    switch (c.kind) {
                        case "column" -> {
                            if (columns.stream().anyMatch(x -> x.name().equals(c.name))) {
                                throw new InvalidDefinition(part + ": table " + n.name + " has two columns named " + c.name);
                            }
                            String type = c.props.get("dataType");
                            if (type == null) {
                                throw new InvalidDefinition(part + ": column " + n.name + "." + c.name + " has no dataType");
                            }
                            columns.add(new Column(c.name, type, c.props.get("sourceColumn"), Map.copyOf(c.annotations)));
                        }
                        case "partition" -> partitions.add(new Partition(c.name, c.value, c.props.get("mode"), c.props.get("source")));
                        case "measure" -> measures.add(new Measure(c.name, c.value));
                        default -> { }
                    }
                }
                tables.put(n.name, new Table(n.name, columns, partitions, measures, Map.copyOf(n.annotations)));
            }
            default -> { }
        }
    }
}
