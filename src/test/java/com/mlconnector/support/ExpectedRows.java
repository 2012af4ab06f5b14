package com.mlconnector.support;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;
import com.mlconnector.sandbox.Sandbox;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test oracle: what a landing table must hold, computed straight from the sandbox's data with the documented
 * rules (empty date → null, NoYes → boolean, dimension segments split on '-'), independently of the connector's
 * parser; and the comparison, row for row, column for column.
 */
public final class ExpectedRows {
    private ExpectedRows() {
    }

    public static void assertLandingEqualsSource(ConnectorRuntime rt, String table) throws Exception {
        EntityMapping m = rt.mappings().get(table);
        assertRowsEqualSource(rt.sandbox(), m, table + " (landing)", TestConnector.query(rt, "SELECT * FROM \"" + table + "\""));
    }

    /** Rows as the source holds them now, by key (columns in the mapping's order, values normalised). */
    public static Map<String, List<Object>> expected(Sandbox sandbox, EntityMapping m) {
        Map<String, List<Object>> expected = new TreeMap<>();
        sandbox.liveRows(m.entitySet()).forEach(i -> {
            List<Object> row = new ArrayList<>();
            for (TargetColumn c : m.columns()) {
                row.add(expectedValue(c, sandbox.value(m.entitySet(), i, c.source())));
            }
            expected.put(key(m, row), row);
        });
        return expected;
    }

    /** The rows (column name to value) equal the source's, row for row and column for column, each key once. */
    public static void assertRowsEqualSource(Sandbox sandbox, EntityMapping m, String what, List<Map<String, Object>> rows) {
        Map<String, List<Object>> expected = expected(sandbox, m);
        Map<String, List<Object>> landed = new HashMap<>();
        for (Map<String, Object> r : rows) {
            List<Object> row = new ArrayList<>();
            for (TargetColumn c : m.columns()) {
                row.add(normal(r.get(c.name())));
            }
            landed.put(key(m, row), row);
        }
        assertThat(rows).as(what + ": rows (a key held twice is a duplicate)").hasSize(landed.size());
        assertThat(landed.keySet()).as(what + " keys").containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, List<Object>> e : expected.entrySet()) {
            assertThat(landed.get(e.getKey())).as(what + " row " + e.getKey()).isEqualTo(e.getValue());
        }
    }

    /**
     * Each key of the source is held exactly once (no duplicate, none missing): for destinations whose values come
     * back in their own types (Power BI's JSON, a warehouse's), where the key is what says a row was doubled or lost.
     */
    public static void assertKeysEqualSource(Sandbox sandbox, EntityMapping m, String what, List<Map<String, Object>> rows) {
        List<String> expected = new ArrayList<>(expected(sandbox, m).keySet());
        List<String> held = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            List<Object> row = new ArrayList<>();
            for (TargetColumn c : m.columns()) {
                Object v = r.get(c.name());
                row.add(v == null ? null : normalKey(c, v));
            }
            held.add(key(m, row));
        }
        // said in figures and a few examples: a doubled table of thousands of keys would otherwise print them all
        Map<String, Integer> times = new TreeMap<>();
        held.forEach(k -> times.merge(k, 1, Integer::sum));
        List<String> twice = times.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        List<String> missing = expected.stream().filter(k -> !times.containsKey(k)).toList();
        java.util.Set<String> source = new java.util.HashSet<>(expected);
        List<String> foreign = times.keySet().stream().filter(k -> !source.contains(k)).toList();
        assertThat(List.of(twice.size(), missing.size(), foreign.size()))
                .as("%s: %,d rows held, %,d in the source; keys held more than once %s, missing %s, not in the source %s", what,
                        held.size(), expected.size(), sample(twice), sample(missing), sample(foreign))
                .containsExactly(0, 0, 0);
    }

    private static String sample(List<String> keys) {
        return keys.size() + (keys.isEmpty() ? "" : " (e.g. " + keys.subList(0, Math.min(3, keys.size())) + ")");
    }

    private static Object normalKey(TargetColumn c, Object v) {
        return switch (c.type()) {
            case LONG, INT -> v instanceof Number n ? n.longValue() : Long.parseLong(v.toString());
            default -> v.toString();
        };
    }

    private static String key(EntityMapping m, List<Object> row) {
        StringBuilder sb = new StringBuilder();
        for (int k : m.keyColumns()) {
            sb.append(row.get(k)).append('|');
        }
        return sb.toString();
    }

    private static Object expectedValue(TargetColumn c, Object v) {
        if (v == null) {
            return null;
        }
        if (c.isDimensionSegment()) {
            String[] parts = v.toString().isEmpty() ? new String[0] : v.toString().split("-", -1);
            return c.segment() < parts.length && !parts[c.segment()].isEmpty() ? parts[c.segment()] : null;
        }
        return switch (c.type()) {
            case DATE -> ((OffsetDateTime) v).getYear() == 1900 ? null : ((OffsetDateTime) v).atZoneSameInstant(ZoneOffset.UTC).toLocalDate();
            case DATETIME -> ((OffsetDateTime) v).getYear() == 1900 ? null : ((OffsetDateTime) v).toInstant();
            case BOOLEAN -> "Yes".equals(v);
            case DECIMAL -> new BigDecimal(v.toString()).stripTrailingZeros();
            case LONG, INT -> ((Number) v).longValue();
            default -> v.toString();
        };
    }

    private static Object normal(Object v) {
        if (v instanceof BigDecimal d) {
            return d.stripTrailingZeros();
        }
        if (v instanceof java.sql.Date d) {
            return d.toLocalDate();
        }
        if (v instanceof LocalDate d) {
            return d;
        }
        if (v instanceof OffsetDateTime t) {
            return t.toInstant();
        }
        if (v instanceof Integer n) {
            return n.longValue();
        }
        return v;
    }
}
