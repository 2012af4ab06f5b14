package com.mlconnector.fno;

import com.mlconnector.mapping.ColumnType;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Holds a mapping against the tenant's {@code $metadata}: the entity set is published, every mapped property and
 * key exists, each property's EDM type lands in its column's type without loss, and a boolean column reads a
 * No/Yes enum. Each problem names the table, the mapping file, the entity, the property, its EDM type and the
 * mapped type, and suggests the closest real names.
 */
public final class MappingValidator {
    private MappingValidator() {
    }

    /** Every problem of the mapping (empty when it matches the tenant). */
    public static List<String> problems(EntityMapping m, EdmCatalog edm) {
        List<String> out = new ArrayList<>();
        String where = m.table() + " (" + m.origin() + "): ";
        EdmCatalog.Entity e = edm.entity(m.entitySet());
        if (e == null) {
            List<String> near = closest(m.entitySet(), edm.entitySets());
            out.add(where + "F&O publishes no entity set " + m.entitySet()
                    + (near.isEmpty() ? "" : "; did you mean " + String.join(" or ", near) + "?"));
            return out;
        }
        for (String key : m.keySources()) {
            if (e.property(key) == null) {
                out.add(where + "key property " + key + " is not a property of " + m.entitySet() + suggest(key, e));
            }
        }
        for (String key : e.keys()) {
            if (!m.keySources().contains(key)) {
                out.add(where + "the key " + m.keySources() + " lacks " + m.entitySet() + "'s key property " + key
                        + " (its key is " + e.keys() + "): two rows could share a key");
            }
        }
        Set<String> reported = new LinkedHashSet<>();
        for (TargetColumn c : m.columns()) {
            EdmCatalog.Property p = e.property(c.source());
            if (p == null) {
                if (reported.add(c.source()) && !m.keySources().contains(c.source())) {
                    out.add(where + m.entitySet() + " has no property " + c.source() + " (column " + c.name() + ")"
                            + suggest(c.source(), e));
                }
                continue;
            }
            String refusal = c.isDimensionSegment()
                    ? (p.type().equals("Edm.String") ? null : "is " + p.typeName() + ", not a display string to split into segments")
                    : refusal(p, c.type());
            if (refusal != null) {
                out.add(where + m.entitySet() + "." + p.name() + " " + refusal + " (column " + c.name() + ", mapped as "
                        + c.type().name().toLowerCase(Locale.ROOT) + ")");
            }
        }
        return out;
    }

    /** Why a property of this EDM type cannot land in a column of that type, or null when it can without loss. */
    static String refusal(EdmCatalog.Property p, ColumnType column) {
        String t = p.type();
        boolean ok = switch (column) {
            case STRING -> t.equals("Edm.String") || t.equals("Edm.Guid") || p.isEnum();
            case ENUM -> p.isEnum();
            case INT -> Set.of("Edm.Int32", "Edm.Int16", "Edm.Byte", "Edm.SByte").contains(t);
            case LONG -> Set.of("Edm.Int64", "Edm.Int32", "Edm.Int16", "Edm.Byte", "Edm.SByte").contains(t);
            case DECIMAL -> Set.of("Edm.Decimal", "Edm.Int64", "Edm.Int32", "Edm.Int16", "Edm.Byte", "Edm.SByte",
                    "Edm.Double", "Edm.Single").contains(t);
            case BOOLEAN -> t.equals("Edm.Boolean") || (p.isEnum() && Set.copyOf(p.members()).equals(Set.of("No", "Yes")));
            case DATE, DATETIME -> t.equals("Edm.DateTimeOffset") || t.equals("Edm.Date");
        };
        if (ok) {
            return null;
        }
        if (column == ColumnType.BOOLEAN && p.isEnum()) {
            return "is the " + p.typeName() + " (" + String.join(", ", p.members()) + "), not No/Yes: map it as enum";
        }
        if ((column == ColumnType.LONG || column == ColumnType.INT) && (t.equals("Edm.Decimal") || t.equals("Edm.Double"))) {
            return "is " + t + ", which cannot land in " + (column == ColumnType.INT ? "an int" : "a long")
                    + " column without losing fractions: map it as decimal";
        }
        if (column == ColumnType.INT && t.equals("Edm.Int64")) {
            return "is Edm.Int64, which can overflow an int column: map it as long";
        }
        if (column == ColumnType.ENUM) {
            return "is " + p.typeName() + ", not an F&O enum: map it as " + suggestedType(p);
        }
        return "is " + p.typeName() + ", which cannot land as " + column.name().toLowerCase(Locale.ROOT) + ": map it as " + suggestedType(p);
    }

    private static String suggestedType(EdmCatalog.Property p) {
        if (p.isEnum()) {
            return Set.copyOf(p.members()).equals(Set.of("No", "Yes")) ? "boolean or enum" : "enum";
        }
        return switch (p.type()) {
            case "Edm.Int64" -> "long";
            case "Edm.Int32", "Edm.Int16", "Edm.Byte", "Edm.SByte" -> "int";
            case "Edm.Decimal", "Edm.Double", "Edm.Single" -> "decimal";
            case "Edm.Boolean" -> "boolean";
            case "Edm.DateTimeOffset", "Edm.Date" -> "date or datetime";
            default -> "string";
        };
    }

    private static String suggest(String missing, EdmCatalog.Entity e) {
        List<String> near = closest(missing, e.properties().keySet());
        return near.isEmpty() ? "" : "; did you mean " + String.join(" or ", near) + "?";
    }

    /**
     * The real names closest to a wrong one: the same name in another case first; then names within a few edits;
     * then names the wrong one contains or that contain it (PostingDate → Date, DefaultDimensionDisplayValue →
     * DimensionDisplayValue). At most three.
     */
    static List<String> closest(String wrong, Collection<String> names) {
        String w = wrong.toLowerCase(Locale.ROOT);
        for (String n : names) {
            if (n.toLowerCase(Locale.ROOT).equals(w)) {
                return List.of(n);
            }
        }
        int limit = Math.max(2, wrong.length() / 4);
        List<String> near = names.stream()
                .filter(n -> distance(w, n.toLowerCase(Locale.ROOT)) <= limit)
                .sorted(Comparator.comparingInt((String n) -> distance(w, n.toLowerCase(Locale.ROOT))).thenComparing(n -> n))
                .limit(3).toList();
        if (!near.isEmpty()) {
            return near;
        }
        List<String> within = names.stream()
                .filter(n -> n.length() >= 4 && w.length() >= 4)
                .filter(n -> w.contains(n.toLowerCase(Locale.ROOT)) || n.toLowerCase(Locale.ROOT).contains(w))
                .sorted(Comparator.comparingInt((String n) -> Math.abs(n.length() - wrong.length())).thenComparing(n -> n))
                .limit(3).toList();
        if (!within.isEmpty()) {
            return within;
        }
        // a long common beginning: GeneralJournalAccountEntries → GeneralJournalAccountEntryBiEntities
        int prefix = Math.max(8, wrong.length() * 2 / 3);
        return names.stream().filter(n -> commonPrefix(w, n.toLowerCase(Locale.ROOT)) >= prefix)
                .sorted(Comparator.comparingInt((String n) -> -commonPrefix(w, n.toLowerCase(Locale.ROOT))).thenComparing(n -> n))
                .limit(3).toList();
    }

    private static int commonPrefix(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
