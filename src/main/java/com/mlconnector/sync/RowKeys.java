package com.mlconnector.sync;

import com.mlconnector.mapping.ColumnType;
import com.mlconnector.mapping.EntityMapping;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The identity and fingerprint of a row: its natural key as one text (the values joined by U+001F), a 64-bit
 * FNV-1a hash of every mapped column in a canonical form (so 1.50 and 1.5 hash alike), and the value that scopes
 * change detection (the growing key, or the business date as an epoch day).
 */
public final class RowKeys {
    static final char SEPARATOR = '\u001F';
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private RowKeys() {
    }

    public static String keyText(EntityMapping m, Object[] row) {
        int[] keys = m.keyColumns();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < keys.length; i++) {
            if (i > 0) {
                sb.append(SEPARATOR);
            }
            sb.append(canonical(row[keys[i]]));
        }
        return sb.toString();
    }

    /** A row holding only the key values of a key text (what a delete needs), typed as the mapping says. */
    public static Object[] keyRow(EntityMapping m, String keyText) {
        Object[] row = new Object[m.columns().size()];
        String[] parts = keyText.split(String.valueOf(SEPARATOR), -1);
        int[] keys = m.keyColumns();
        for (int i = 0; i < keys.length; i++) {
            ColumnType t = m.columns().get(keys[i]).type();
            row[keys[i]] = switch (t) {
                case LONG -> Long.parseLong(parts[i]);
                case INT -> Integer.parseInt(parts[i]);
                case DECIMAL -> new BigDecimal(parts[i]);
                case DATE -> LocalDate.parse(parts[i]);
                case DATETIME -> OffsetDateTime.parse(parts[i]);
                case BOOLEAN -> Boolean.parseBoolean(parts[i]);
                default -> parts[i];
            };
        }
        return row;
    }

    /** The key part that names the legal entity, or null when the entity is shared. */
    public static String company(EntityMapping m, String keyText) {
        int at = m.keySources().indexOf("dataAreaId");
        if (at < 0) {
            return null;
        }
        return keyText.split(String.valueOf(SEPARATOR), -1)[at];
    }

    public static long hash(Object[] row) {
        long h = FNV_OFFSET;
        for (Object v : row) {
            String s = v == null ? "\u0000" : canonical(v);
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                h ^= (c & 0xff);
                h *= FNV_PRIME;
                h ^= (c >>> 8);
                h *= FNV_PRIME;
            }
            h ^= SEPARATOR;
            h *= FNV_PRIME;
        }
        return h;
    }

    /**
     * The growing key, the business date as an epoch day, or the modification time in epoch seconds; null when the
     * strategy has none or the row has none.
     */
    public static Long scopeValue(EntityMapping m, Object[] row) {
        if (m.change().column() == null) {
            return null;
        }
        Object v = row[m.columnOf(m.change().column())];
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof LocalDate d) {
            return d.toEpochDay();
        }
        if (v instanceof OffsetDateTime t) {
            return m.change().strategy() == com.mlconnector.mapping.ChangePolicy.Strategy.MODIFIED_SINCE
                    ? t.toEpochSecond() // a modification time: to the second
                    : t.atZoneSameInstant(ZoneOffset.UTC).toLocalDate().toEpochDay();
        }
        return null;
    }

    static String canonical(Object v) {
        if (v instanceof BigDecimal d) {
            return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
        }
        if (v instanceof OffsetDateTime t) {
            return t.toInstant().toString();
        }
        return String.valueOf(v);
    }

    /** A short fingerprint of a batch's content: what the audit trail records. */
    public static String contentHash(List<Object[]> rows) {
        long a = FNV_OFFSET;
        long b = 0x9E3779B97F4A7C15L;
        for (Object[] r : rows) {
            long h = hash(r);
            a = (a ^ h) * FNV_PRIME;
            b = Long.rotateLeft(b + h, 17) * 0xC2B2AE3D27D4EB4FL;
        }
        return String.format("%016x%016x", a, b);
    }
}
