package com.mlconnector.powerbi.model;

import java.util.regex.Pattern;

/**
 * Writes TMDL, the text form of a Power BI semantic model (Fabric's definition format): one declaration a line, each
 * child one tab deeper than its parent; {@code type name}, {@code type name = value}, properties {@code key: value},
 * and expressions {@code key =} whose lines follow one level deeper than the property. A name that is not a plain
 * identifier goes in single quotes, a quote in it doubled. The only place in the connector that knows these rules.
 */
public final class Tmdl {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private final StringBuilder out = new StringBuilder();

    /** A name as TMDL writes it: as it is when a plain identifier, else in single quotes with quotes doubled. */
    public static String name(String n) {
        if (n == null || n.isEmpty()) {
            throw new IllegalArgumentException("a TMDL name cannot be empty");
        }
        if (n.indexOf('\n') >= 0 || n.indexOf('\r') >= 0 || n.indexOf('\t') >= 0) {
            throw new IllegalArgumentException("a TMDL name cannot hold a line break or a tab: " + n);
        }
        return PLAIN.matcher(n).matches() ? n : "'" + n.replace("'", "''") + "'";
    }

    /** A column of a table, as relationships name it: {@code Table.Column}, each part quoted as it needs. */
    public static String column(String table, String column) {
        return name(table) + "." + name(column);
    }

    /** {@code type name} at the depth. */
    public Tmdl object(int depth, String type, String name) {
        return line(depth, type + " " + name(name));
    }

    /** {@code type name = value} at the depth (a partition's source kind: {@code partition Vendors = m}). */
    public Tmdl object(int depth, String type, String name, String value) {
        return line(depth, type + " " + name(name) + " = " + single(value));
    }

    /** A declaration without a name ({@code database}) or a reference ({@code ref table Vendors}), as given. */
    public Tmdl declaration(int depth, String text) {
        return line(depth, single(text));
    }

    /** {@code key: value} at the depth. */
    public Tmdl property(int depth, String key, String value) {
        return line(depth, key + ": " + single(value));
    }

    /** {@code key =} and the expression's lines one level deeper (their own indentation kept after the tabs). */
    public Tmdl expression(int depth, String key, String expression) {
        line(depth, key + " =");
        for (String l : expression.strip().split("\r?\n")) {
            line(depth + 1, l.stripTrailing());
        }
        return this;
    }

    /** A blank line between objects (TMDL ignores them; people reading the file do not). */
    public Tmdl blank() {
        out.append('\n');
        return this;
    }

    public String text() {
        return out.toString();
    }

    private Tmdl line(int depth, String text) {
        if (depth < 0) {
            throw new IllegalArgumentException("depth " + depth);
        }
        out.append("\t".repeat(depth)).append(text).append('\n');
        return this;
    }

    private static String single(String value) {
        if (value == null || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a TMDL property value is one line (a multi-line one is an expression): " + value);
        }
        return value;
    }

    /**
     * A declaration and everything below it in a TMDL text: its first line stands at the depth the text was cut at,
     * the rest deeper (or blank).
     */
    public record Block(String text) {
        /** The declaration's first word: column, measure, partition, relationship, lineageTag, ... */
        public String kind() {
            return first().split("[ :=]", 2)[0];
        }

        /** The declaration without its first word ("'Sales Amount' = SUM(...)"), for telling objects apart. */
        public String first() {
            return text.lines().findFirst().orElse("").strip();
        }

        /** The object's name as written after its kind (quotes kept), or "" for a property line. */
        public String name() {
            String rest = first().substring(kind().length()).strip();
            if (rest.startsWith(":")) {
                return "";
            }
            int eq = rest.indexOf(" =");
            return (eq < 0 ? rest : rest.substring(0, eq)).strip();
        }

        /** Whether the block carries the annotation (one level below its declaration). */
        public boolean annotated(String annotation, int depth) {
            String line = "\t".repeat(depth + 1) + "annotation " + annotation + " =";
            return text.lines().anyMatch(l -> l.startsWith(line));
        }
    }

    /** The text cut into its blocks at a depth (lines before the first block at that depth are left out). */
    public static java.util.List<Block> blocks(String text, int depth) {
        java.util.List<Block> out = new java.util.ArrayList<>();
        String prefix = "\t".repeat(depth);
        StringBuilder current = null;
        for (String line : text.split("\r?\n", -1)) {
            boolean starts = !line.isBlank() && line.startsWith(prefix) && (line.length() == depth || line.charAt(depth) != '\t');
            if (starts) {
                if (current != null) {
                    out.add(new Block(current.toString().stripTrailing() + "\n"));
                }
                current = new StringBuilder();
            }
            if (current != null) {
                current.append(line).append('\n');
            }
        }
        if (current != null) {
            out.add(new Block(current.toString().stripTrailing() + "\n"));
        }
        return out;
    }
}
