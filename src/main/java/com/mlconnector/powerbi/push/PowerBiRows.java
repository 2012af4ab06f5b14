package com.mlconnector.powerbi.push;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.mlconnector.mapping.ColumnType;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;

/** Power BI's view of a mapping: column data types, and rows as the JSON body of a POST rows request. */
public final class PowerBiRows {
    public static final int MAX_STRING = 4000;
    private static final JsonFactory JSON = new JsonFactory();

    /** The body and how many strings had to be cut to Power BI's 4,000 characters. */
    public record Body(byte[] json, int truncated) {
    }

    private PowerBiRows() {
    }

    public static String dataType(ColumnType t) {
        return switch (t) {
            case STRING, ENUM -> "String";
            case INT, LONG -> "Int64";
            case DECIMAL -> "Decimal";
            case BOOLEAN -> "Boolean";
            case DATE, DATETIME -> "Datetime";
        };
    }

    /** {@code {"name": table, "columns": [{"name", "dataType"}…]}} */
    public static String tableSchema(EntityMapping m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("name", m.table());
            g.writeArrayFieldStart("columns");
            for (TargetColumn c : m.columns()) {
                g.writeStartObject();
                g.writeStringField("name", c.name());
                g.writeStringField("dataType", dataType(c.type()));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** {@code {"rows": [...]}} with values converted: decimals at scale 4, dates as Datetime, long strings cut. */
    public static Body body(EntityMapping m, List<Object[]> rows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(rows.size() * 256);
        int truncated = 0;
        List<TargetColumn> cols = m.columns();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("rows");
            for (Object[] r : rows) {
                g.writeStartObject();
                for (int i = 0; i < r.length; i++) {
                    Object v = r[i];
                    g.writeFieldName(cols.get(i).name());
                    if (v == null) {
                        g.writeNull();
                    } else if (v instanceof String s) {
                        if (s.length() > MAX_STRING) {
                            truncated++;
                            s = s.substring(0, MAX_STRING);
                        }
                        g.writeString(s);
                    } else if (v instanceof BigDecimal d) {
                        g.writeNumber(d.setScale(4, RoundingMode.HALF_UP));
                    } else if (v instanceof Long l) {
                        g.writeNumber(l);
                    } else if (v instanceof Integer n) {
                        g.writeNumber(n);
                    } else if (v instanceof Boolean b) {
                        g.writeBoolean(b);
                    } else if (v instanceof LocalDate d) {
                        g.writeString(d + "T00:00:00Z");
                    } else if (v instanceof OffsetDateTime t) {
                        g.writeString(t.toInstant().toString());
                    } else {
                        g.writeString(v.toString());
                    }
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Body(out.toByteArray(), truncated);
    }
}
