package com.mlconnector.sandbox;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The part of OData's {@code $filter} that F&O accepts and the connector uses: {@code eq ne gt ge lt le},
 * {@code and or not}, parentheses, string, number, date-time, boolean, null and enum literals
 * ({@code Microsoft.Dynamics.DataEntities.NoYes'Yes'}). Like F&O, it refuses {@code has} and {@code in}, and
 * enums compare only with eq/ne. String comparison ignores case, as F&O's SQL collation does.
 */
final class ODataFilter {

    /** A filter that cannot be run; the emulator answers 400 with the message. */
    static final class FilterException extends RuntimeException {
        FilterException(String message) {
            super(message);
        }
    }

    interface Node {
        Object eval(Function<String, Object> row);
    }

    private record Literal(Object value) implements Node {
        public Object eval(Function<String, Object> row) {
            return value;
        }
    }

    private record EnumLiteral(String enumType, String member) {
    }

    private record Property(String name) implements Node {
        public Object eval(Function<String, Object> row) {
            return row.apply(name);
        }
    }

    private final String text;
    private final FnoCatalog.Entity entity;
    private int pos;

    private ODataFilter(String text, FnoCatalog.Entity entity) {
        this.text = text;
        this.entity = entity;
    }

    static Node parse(String text, FnoCatalog.Entity entity) {
        ODataFilter p = new ODataFilter(text, entity);
        Node n = p.or();
        p.skipSpace();
        if (p.pos < text.length()) {
            throw new FilterException("Syntax error at position " + p.pos + " in $filter: " + text);
        }
        return n;
    }

    static boolean matches(Node node, Function<String, Object> row) {
        return Boolean.TRUE.equals(node.eval(row));
    }

    private Node or() {
        Node left = and();
        while (keyword("or")) {
            Node l = left, r = and();
            left = row -> Boolean.TRUE.equals(l.eval(row)) || Boolean.TRUE.equals(r.eval(row));
        }
        return left;
    }

    private Node and() {
        Node left = not();
        while (keyword("and")) {
            Node l = left, r = not();
            left = row -> Boolean.TRUE.equals(l.eval(row)) && Boolean.TRUE.equals(r.eval(row));
        }
        return left;
    }

    private Node not() {
        if (keyword("not")) {
            Node inner = not();
            return row -> !Boolean.TRUE.equals(inner.eval(row));
        }
        return comparison();
    }

    private Node comparison() {
        Node left = primary();
        skipSpace();
        int save = pos;
        String op = word();
        if (op == null) {
            return left;
        }
        switch (op) {
            case "has", "in" -> throw new FilterException("The query operator '" + op + "' is not supported.");
            case "eq", "ne", "gt", "ge", "lt", "le" -> {
            }
            default -> {
                pos = save;
                return left;
            }
        }
        Node right = primary();
        return compare(left, op, right);
    }

    private Node compare(Node left, String op, Node right) {
        FnoCatalog.Property prop = left instanceof Property p ? entity.property(p.name()) : null;
        if (prop != null && prop.isEnum() && !op.equals("eq") && !op.equals("ne")) {
            throw new FilterException("Operator '" + op + "' is not supported on enum property " + prop.name());
        }
        if (right instanceof Literal lit && lit.value() instanceof EnumLiteral e) {
            if (prop == null || !prop.isEnum()) {
                throw new FilterException("Enum literal compared with a property that is not an enum");
            }
            if (!prop.members().contains(e.member())) {
                throw new FilterException("'" + e.member() + "' is not a member of " + prop.enumType());
            }
            right = new Literal(e.member());
        }
        Node r = right;
        return row -> {
            Object a = left.eval(row);
            Object b = r.eval(row);
            int c;
            if (a == null || b == null) {
                boolean same = a == b;
                return switch (op) {
                    case "eq" -> same;
                    case "ne" -> !same;
                    default -> false;
                };
            }
            c = compareValues(a, b);
            return switch (op) {
                case "eq" -> c == 0;
                case "ne" -> c != 0;
                case "gt" -> c > 0;
                case "ge" -> c >= 0;
                case "lt" -> c < 0;
                default -> c <= 0;
            };
        };
    }

    private static int compareValues(Object a, Object b) {
        if (a instanceof String sa && b instanceof String sb) {
            return sa.compareToIgnoreCase(sb);
        }
        if (a instanceof Number na && b instanceof Number nb) {
            return new BigDecimal(na.toString()).compareTo(new BigDecimal(nb.toString()));
        }
        if (a instanceof OffsetDateTime da && b instanceof OffsetDateTime db) {
            return da.toInstant().compareTo(db.toInstant());
        }
        if (a instanceof Boolean ba && b instanceof Boolean bb) {
            return Boolean.compare(ba, bb);
        }
        throw new FilterException("A binary operator with incompatible types was detected: "
                + a.getClass().getSimpleName() + " and " + b.getClass().getSimpleName());
    }

    private Node primary() {
        skipSpace();
        if (pos >= text.length()) {
            throw new FilterException("Unexpected end of $filter: " + text);
        }
        char ch = text.charAt(pos);
        if (ch == '(') {
            pos++;
            Node inner = or();
            skipSpace();
            expect(')');
            return inner;
        }
        if (ch == '\'') {
            return new Literal(quoted());
        }
        if (ch == '-' || Character.isDigit(ch)) {
            int start = pos;
            while (pos < text.length() && "0123456789.-:TZ+eE".indexOf(text.charAt(pos)) >= 0) {
                pos++;
            }
            String token = text.substring(start, pos);
            if (token.contains("T") && token.contains(":")) {
                try {
                    return new Literal(OffsetDateTime.parse(token));
                } catch (RuntimeException e) {
                    throw new FilterException("Invalid date-time literal " + token);
                }
            }
            try {
                return new Literal(new BigDecimal(token));
            } catch (NumberFormatException e) {
                throw new FilterException("Invalid literal " + token);
            }
        }
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_' || text.charAt(pos) == '.')) {
            pos++;
        }
        String ident = text.substring(start, pos);
        if (ident.isEmpty()) {
            throw new FilterException("Syntax error at position " + start + " in $filter: " + text);
        }
        if (pos < text.length() && text.charAt(pos) == '\'') {
            // enum literal: Namespace.EnumType'Member'
            int dot = ident.lastIndexOf('.');
            return new Literal(new EnumLiteral(dot >= 0 ? ident.substring(dot + 1) : ident, quoted()));
        }
        if (pos < text.length() && text.charAt(pos) == '(') {
            throw new FilterException("Function '" + ident + "' is not supported by the sandbox emulator");
        }
        switch (ident) {
            case "true":
                return new Literal(Boolean.TRUE);
            case "false":
                return new Literal(Boolean.FALSE);
            case "null":
                return new Literal(null);
            default:
        }
        if (entity.property(ident) == null) {
            throw new FilterException("Could not find a property named '" + ident + "' on type '"
                    + "Microsoft.Dynamics.DataEntities." + entity.name() + "'.");
        }
        return new Property(ident);
    }

    private String quoted() {
        expect('\'');
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw new FilterException("Unterminated string literal in $filter");
            }
            char ch = text.charAt(pos++);
            if (ch == '\'') {
                if (pos < text.length() && text.charAt(pos) == '\'') {
                    sb.append('\'');
                    pos++;
                    continue;
                }
                return sb.toString();
            }
            sb.append(ch);
        }
    }

    private boolean keyword(String kw) {
        skipSpace();
        int save = pos;
        String w = word();
        if (kw.equals(w)) {
            return true;
        }
        pos = save;
        return false;
    }

    private String word() {
        int start = pos;
        while (pos < text.length() && Character.isLetter(text.charAt(pos))) {
            pos++;
        }
        if (start == pos) {
            return null;
        }
        String w = text.substring(start, pos).toLowerCase(Locale.ROOT);
        if (pos < text.length() && !Character.isWhitespace(text.charAt(pos)) && text.charAt(pos) != '(') {
            pos = start;
            return null;
        }
        return w;
    }

    private void expect(char ch) {
        if (pos >= text.length() || text.charAt(pos) != ch) {
            throw new FilterException("Expected '" + ch + "' at position " + pos + " in $filter: " + text);
        }
        pos++;
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    static List<String> splitSelect(String select) {
        List<String> out = new ArrayList<>();
        for (String s : select.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
