package com.mlconnector.support;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;

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
        Map<String, List<Object>> expected = new TreeMap<>();
        rt.sandbox().liveRows(m.entitySet()).forEach(i -> {
            List<Object> row = new ArrayList<>();
            for (TargetColumn c : m.columns()) {
                row.add(expectedValue(c, rt.sandbox().value(m.entitySet(), i, c.source())));
            }
            expected.put(key(m, row), row);
        });
        Map<String, List<Object>> landed = new HashMap<>();
        for (Map<String, Object> r : TestConnector.query(rt, "SELECT * FROM \"" + table + "\"")) {
            List<Object> row = new ArrayList<>();
            for (TargetColumn c : m.columns()) {
                row.add(normal(r.get(c.name())));
            }
            landed.put(key(m, row), row);
        }
        assertThat(landed.keySet()).as(table + " keys").containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, List<Object>> e : expected.entrySet()) {
            assertThat(landed.get(e.getKey())).as(table + " row " + e.getKey()).isEqualTo(e.getValue());
        }
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
