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
}
