package com.mlconnector.fno;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.mlconnector.mapping.ColumnType;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads one OData page as a stream of tokens (never as a tree), straight into rows of the mapping's columns,
 * converting each value to its column type as it passes. Properties the mapping does not use are skipped.
 * A page that is not OData JSON, or a value of the wrong type, fails the whole page: none of its rows is kept.
 */
public final class PageParser {
    /** F&O's "no date". */
    public static final String EMPTY_DATE = "1900-01-01T12:00:00Z";
    private static final JsonFactory JSON = new JsonFactory();

    public record Page(List<Object[]> rows, String nextLink, Long count) {
    }

    private final EntityMapping mapping;
    private final Pattern delimiter;
    private final List<TargetColumn> columns;
    private final int[] keyColumns;

    public PageParser(EntityMapping mapping, String dimensionDelimiter) {
        this.mapping = mapping;
        this.delimiter = Pattern.compile(Pattern.quote(dimensionDelimiter));
        this.columns = mapping.columns();
        this.keyColumns = mapping.keyColumns();
    }

    /**
     * Parses a page.
     *
     * @throws MalformedPageException the content is not a valid page for this mapping
     * @throws IOException            the connection failed while the page was arriving (worth a retry)
     */
    public Page parse(InputStream in, String url) throws IOException {
        List<Object[]> rows = new ArrayList<>();
        String nextLink = null;
        Long count = null;
        boolean sawValue = false;
        try (JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw malformed(url, "the body is not a JSON object", null);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "value" -> {
                        if (t != JsonToken.START_ARRAY) {
                            throw malformed(url, "'value' is not an array", null);
                        }
                        sawValue = true;
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            rows.add(row(p, url, rows.size()));
                        }
                        if (p.currentToken() != JsonToken.END_ARRAY) {
                            throw malformed(url, "'value' holds something that is not an entity", null);
                        }
                    }
                    case "@odata.nextLink" -> nextLink = t == JsonToken.VALUE_NULL ? null : p.getText();
                    case "@odata.count" -> count = p.getLongValue();
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw malformed(url, "unexpected " + p.currentToken(), null);
            }
        } catch (JsonProcessingException e) {
            throw malformed(url, e.getOriginalMessage(), e);
        }
        if (!sawValue) {
            throw malformed(url, "no 'value' array", null);
        }
        return new Page(rows, nextLink, count);
    }

    /** A number with a fraction for a whole-number column: reported once the row's key is known. */
    private static final class LossyNumber extends RuntimeException {
        final TargetColumn column;
        final String value;

        LossyNumber(TargetColumn column, String value) {
            super(null, null, false, false);
            this.column = column;
            this.value = value;
        }
    }

    private Object[] row(JsonParser p, String url, int index) throws IOException {
        Object[] row = new Object[columns.size()];
        LossyNumber lossy = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            int[] targets = mapping.targetsOf(name);
            if (targets == null) {
                p.skipChildren();
                continue;
            }
            String[] segments = null;
            for (int target : targets) {
                TargetColumn c = columns.get(target);
                if (c.isDimensionSegment()) {
                    if (t == JsonToken.VALUE_NULL) {
                        continue;
                    }
                    if (segments == null) {
                        segments = p.getText().isEmpty() ? new String[0] : delimiter.split(p.getText(), -1);
                    }
                    row[target] = c.segment() < segments.length && !segments[c.segment()].isEmpty() ? segments[c.segment()] : null;
                } else {
                    try {
                        row[target] = convert(p, t, c, url, index);
                    } catch (LossyNumber e) {
                        lossy = lossy == null ? e : lossy;
                    }
                }
            }
        }
        if (lossy != null) {
            StringBuilder key = new StringBuilder();
            for (int k : keyColumns) {
                key.append(key.length() == 0 ? "" : ", ").append(columns.get(k).source()).append('=').append(row[k]);
            }
            throw malformed(url, "row " + index + " (" + key + "): " + lossy.column.source() + " = " + lossy.value
                    + " has a fraction, which the " + lossy.column.type().name().toLowerCase(java.util.Locale.ROOT)
                    + " column " + lossy.column.name() + " would lose; map it as decimal", null);
        }
        for (int k : keyColumns) {
            if (row[k] == null) {
                throw malformed(url, "row " + index + " has no value for key property " + columns.get(k).source(), null);
            }
        }
        return row;
    }

    private Object convert(JsonParser p, JsonToken t, TargetColumn c, String url, int index) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        try {
            return switch (c.type()) {
                case STRING, ENUM -> {
                    if (!t.isScalarValue()) {
                        throw wrongType(url, index, c, t);
                    }
                    yield p.getText();
                }
                case INT -> t == JsonToken.VALUE_NUMBER_FLOAT ? (Object) whole(p, c).intValueExact() : readInt(p, t, c, url, index);
                case LONG -> t == JsonToken.VALUE_NUMBER_FLOAT ? (Object) whole(p, c).longValueExact() : readLong(p, t, c, url, index);
                case DECIMAL -> {
                    if (t == JsonToken.VALUE_STRING) { // IEEE754Compatible=true sends decimals as strings
                        yield new BigDecimal(p.getText());
                    }
                    require(t.isNumeric(), url, index, c, t);
                    yield p.getDecimalValue();
                }
                case BOOLEAN -> {
                    if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
                        yield t == JsonToken.VALUE_TRUE;
                    }
                    require(t == JsonToken.VALUE_STRING, url, index, c, t);
                    String s = p.getText(); // F&O's NoYes enum
                    if (s.equals("Yes")) {
                        yield Boolean.TRUE;
                    }
                    if (s.equals("No")) {
                        yield Boolean.FALSE;
                    }
                    throw malformed(url, "row " + index + ": " + c.source() + " = '" + s + "' is not Yes/No/true/false", null);
                }
                case DATETIME, DATE -> {
                    require(t == JsonToken.VALUE_STRING, url, index, c, t);
                    String s = p.getText();
                    if (s.equals(EMPTY_DATE)) {
                        yield null;
                    }
                    OffsetDateTime dt = OffsetDateTime.parse(s);
                    yield c.type() == ColumnType.DATE ? dt.atZoneSameInstant(ZoneOffset.UTC).toLocalDate() : dt;
                }
            };
        } catch (NumberFormatException | ArithmeticException | DateTimeParseException e) {
            throw malformed(url, "row " + index + ": " + c.source() + " cannot be read as " + c.type() + ": " + e.getMessage(), e);
        }
    }

    private int readInt(JsonParser p, JsonToken t, TargetColumn c, String url, int index) throws IOException {
        require(t == JsonToken.VALUE_NUMBER_INT, url, index, c, t);
        return p.getIntValue();
    }

    private long readLong(JsonParser p, JsonToken t, TargetColumn c, String url, int index) throws IOException {
        require(t == JsonToken.VALUE_NUMBER_INT, url, index, c, t);
        return p.getLongValue();
    }

    /**
     * A JSON number written with a fraction or exponent ({@code 1.0}, {@code 1E0}) for a whole-number column: taken
     * when the fraction is zero (F&O writes Edm.Decimal so), refused when a fraction would be lost.
     */
    private static java.math.BigInteger whole(JsonParser p, TargetColumn c) throws IOException {
        BigDecimal d = p.getDecimalValue();
        try {
            return d.toBigIntegerExact();
        } catch (ArithmeticException e) {
            throw new LossyNumber(c, p.getText());
        }
    }

    private void require(boolean ok, String url, int index, TargetColumn c, JsonToken t) {
        if (!ok) {
            throw wrongType(url, index, c, t);
        }
    }

    private MalformedPageException wrongType(String url, int index, TargetColumn c, JsonToken t) {
        return malformed(url, "row " + index + ": " + c.source() + " is a JSON " + t + ", which cannot land as " + c.type(), null);
    }

    private MalformedPageException malformed(String url, String why, Throwable cause) {
        return new MalformedPageException("Malformed page of " + mapping.entitySet() + " (" + url + "): " + why, cause);
    }
}
