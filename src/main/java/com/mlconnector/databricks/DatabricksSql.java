package com.mlconnector.databricks;

import com.mlconnector.mapping.ColumnType;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL the Databricks destination runs: the Delta table from the mapping, and MERGE / DELETE statements whose
 * every value travels as a named parameter (never spliced into the text), so quotes, unicode and long text arrive
 * unchanged. A batch is cut into statements of at most databricks.rows-per-statement rows and well under 16 MiB.
 */
public final class DatabricksSql {
    public static final String DELETED = "_deleted";
    static final long MAX_TEXT_BYTES = 8L * 1024 * 1024; // half the 16 MiB limit: parameters travel beside the text

    /** One statement and its parameters. */
    public record Stmt(String text, List<DatabricksClient.Param> params) {
    }

    private DatabricksSql() {
    }

    public static String type(ColumnType t) {
        return switch (t) {
            case STRING, ENUM -> "STRING";
            case INT -> "INT";
            case LONG -> "BIGINT";
            case DECIMAL -> "DECIMAL(32,6)";
            case BOOLEAN -> "BOOLEAN";
            case DATE -> "DATE";
            case DATETIME -> "TIMESTAMP";
        };
    }

    static String q(String name) {
        return "`" + name + "`";
    }

    public static String createTable(EntityMapping m, boolean softDelete) {
        String cols = m.columns().stream().map(c -> q(c.name()) + " " + type(c.type())).collect(Collectors.joining(", "));
        String keys = keyNames(m).stream().collect(Collectors.joining(","));
        return "CREATE TABLE IF NOT EXISTS " + q(m.table()) + " (" + cols + (softDelete ? ", " + q(DELETED) + " BOOLEAN" : "")
                + ") USING DELTA TBLPROPERTIES ('ml_connector.natural_key' = '" + keys + "')";
    }

    public static String addColumns(EntityMapping m, List<TargetColumn> missing) {
        return "ALTER TABLE " + q(m.table()) + " ADD COLUMNS (" + missing.stream()
                .map(c -> q(c.name()) + " " + type(c.type())).collect(Collectors.joining(", ")) + ")";
    }

    /** MERGE statements upserting the rows by the natural key. */
    public static List<Stmt> merge(EntityMapping m, List<Object[]> rows, int rowsPerStatement, boolean softDelete) {
        List<Stmt> out = new ArrayList<>();
        List<String> names = m.columns().stream().map(TargetColumn::name).toList();
        // The source is a subquery that names and types its columns: Databricks refuses a column list on MERGE's source
        // alias ([COLUMN_ALIASES_NOT_ALLOWED] for `USING (VALUES …) AS s(a, b)`), but allows one on an inline table
        // inside a subquery. Each column is cast to the table's type, so a column of NULLs still has one.
        List<String> select = new ArrayList<>();
        List<String> inline = new ArrayList<>();
        for (int c = 0; c < names.size(); c++) {
            select.add("CAST(v.c" + c + " AS " + type(m.columns().get(c).type()) + ") AS " + q(names.get(c)));
            inline.add("c" + c);
        }
        int from = 0;
        while (from < rows.size()) {
            StringBuilder values = new StringBuilder();
            List<DatabricksClient.Param> params = new ArrayList<>();
            int r = from;
            for (; r < rows.size() && r - from < rowsPerStatement && values.length() < MAX_TEXT_BYTES; r++) {
                values.append(r == from ? "(" : ", (");
                Object[] row = rows.get(r);
                for (int c = 0; c < row.length; c++) {
                    String name = "r" + (r - from) + "c" + c;
                    values.append(c == 0 ? "" : ", ").append(':').append(name);
                    params.add(new DatabricksClient.Param(name, text(row[c]), type(m.columns().get(c).type())));
                }
                values.append(')');
            }
            out.add(new Stmt(mergeFrom(m, "SELECT " + String.join(", ", select) + " FROM (VALUES " + values + ") AS v("
                    + String.join(", ", inline) + ")", softDelete), params));
            from = r;
        }
        return out;
    }

    /** MERGE INTO the mapping's table from a source query whose columns are named and typed as the table's. */
    private static String mergeFrom(EntityMapping m, String source, boolean softDelete) {
        List<String> names = m.columns().stream().map(TargetColumn::name).toList();
        List<String> keys = keyNames(m);
        String on = keys.stream().map(k -> "t." + q(k) + " = s." + q(k)).collect(Collectors.joining(" AND "));
        List<String> sets = new ArrayList<>();
        for (String n : names) {
            if (!keys.contains(n)) {
                sets.add(q(n) + " = s." + q(n));
            }
        }
        if (softDelete) {
            sets.add(q(DELETED) + " = false");
        }
        String insertCols = names.stream().map(DatabricksSql::q).collect(Collectors.joining(", "))
                + (softDelete ? ", " + q(DELETED) : "");
        String insertVals = names.stream().map(n -> "s." + q(n)).collect(Collectors.joining(", ")) + (softDelete ? ", false" : "");
        return "MERGE INTO " + q(m.table()) + " AS t USING (" + source + ") AS s ON " + on
                + (sets.isEmpty() ? "" : " WHEN MATCHED THEN UPDATE SET " + String.join(", ", sets))
                + " WHEN NOT MATCHED THEN INSERT (" + insertCols + ") VALUES (" + insertVals + ")";
    }

    /** The bulk path's order column: which staged row of a key is the newest (files and rows in the order read). */
    public static final String SEQ = "_seq";

    /**
     * The bulk path's staging table: the mapped columns as the staged files hold them (text, as every value travels to
     * Databricks), and the order each row was read in.
     */
    public static String createStaging(EntityMapping m, String staging) {
        return "CREATE TABLE IF NOT EXISTS " + q(staging) + " (" + m.columns().stream().map(c -> q(c.name()) + " STRING")
                .collect(Collectors.joining(", ")) + ", " + q(SEQ) + " STRING) USING DELTA";
    }

    /** Loads a folder of staged NDJSON files; COPY INTO skips files it loaded before, so a repeat loads nothing twice. */
    public static String copyInto(String staging, String folder) {
        if (!folder.startsWith("/Volumes/") || folder.contains("'") || folder.contains("\\")) {
            throw new IllegalArgumentException("not a volume folder: " + folder);
        }
        return "COPY INTO " + q(staging) + " FROM '" + folder + "/' FILEFORMAT = JSON";
    }

    /**
     * One MERGE of everything staged: the newest staged row of each key (a key read twice, as after a page read again,
     * is merged once), cast to the table's types.
     */
    public static String mergeStaged(EntityMapping m, String staging, boolean softDelete) {
        List<String> names = m.columns().stream().map(TargetColumn::name).toList();
        String partition = keyNames(m).stream().map(DatabricksSql::q).collect(Collectors.joining(", "));
        String ranked = "SELECT " + names.stream().map(DatabricksSql::q).collect(Collectors.joining(", "))
                + ", ROW_NUMBER() OVER (PARTITION BY " + partition + " ORDER BY CAST(" + q(SEQ) + " AS BIGINT) DESC) AS `_rn` FROM " + q(staging);
        String typed = "SELECT " + m.columns().stream().map(c -> "CAST(r." + q(c.name()) + " AS " + type(c.type()) + ") AS " + q(c.name()))
                .collect(Collectors.joining(", ")) + " FROM (" + ranked + ") AS r WHERE r.`_rn` = 1";
        return mergeFrom(m, typed, softDelete);
    }

    public static String dropStaging(String staging) {
        return "DROP TABLE IF EXISTS " + q(staging);
    }

    /** DELETE (or, with soft deletes, an UPDATE setting _deleted) of the rows' keys. */
    public static List<Stmt> delete(EntityMapping m, List<Object[]> keyRows, int rowsPerStatement, boolean softDelete) {
        List<Stmt> out = new ArrayList<>();
        int[] keys = m.keyColumns();
        for (int from = 0; from < keyRows.size(); from += rowsPerStatement) {
            List<DatabricksClient.Param> params = new ArrayList<>();
            List<String> ors = new ArrayList<>();
            for (int r = from; r < Math.min(keyRows.size(), from + rowsPerStatement); r++) {
                List<String> ands = new ArrayList<>();
                for (int k = 0; k < keys.length; k++) {
                    String name = "r" + (r - from) + "k" + k;
                    TargetColumn c = m.columns().get(keys[k]);
                    ands.add(q(c.name()) + " = :" + name);
                    params.add(new DatabricksClient.Param(name, text(keyRows.get(r)[keys[k]]), type(c.type())));
                }
                ors.add("(" + String.join(" AND ", ands) + ")");
            }
            String where = String.join(" OR ", ors);
            out.add(new Stmt(softDelete ? "UPDATE " + q(m.table()) + " SET " + q(DELETED) + " = true WHERE " + where
                    : "DELETE FROM " + q(m.table()) + " WHERE " + where, params));
        }
        return out;
    }

    /** A value as text, as Databricks reads it back into the column's type (parameters and staged files alike). */
    static String text(Object v) {
        if (v == null) {
            return null;
        } else if (v instanceof BigDecimal d) {
            return d.toPlainString();
        } else if (v instanceof OffsetDateTime dt) {
            return dt.toInstant().toString();
        }
        return v.toString();
    }

    private static List<String> keyNames(EntityMapping m) {
        List<String> k = new ArrayList<>();
        for (int i : m.keyColumns()) {
            k.add(m.columns().get(i).name());
        }
        return k;
    }
}
