package com.mlconnector.support.spark;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Spark SQL + Delta Lake in local mode (ANSI on), in a JVM of its own, taking statements over a loopback socket:
 * the engine family of Databricks SQL warehouses, for tests. Spark is reached by reflection only, so this class
 * compiles with the connector's test classpath and runs with Spark's.
 *
 * <p>Protocol (DataInput/DataOutput): a request is the schema, the statement and its parameters (name, type, value or
 * none); the answer is ok + rows as text, or the error Spark raised. Unity Catalog's catalog.schema becomes Spark's
 * database named as the schema (the connector's statements name tables without qualifiers).
 */
public final class SparkSqlServer {
    private SparkSqlServer() {
    }

    public static void main(String[] args) throws Exception {
        String warehouseDir = args[0];
        Class<?> sessionClass = Class.forName("org.apache.spark.sql.SparkSession");
        Object builder = sessionClass.getMethod("builder").invoke(null);
        Method config = builder.getClass().getMethod("config", String.class, String.class);
        Map<String, String> conf = new java.util.LinkedHashMap<>();
        conf.put("spark.master", "local[2]");
        conf.put("spark.app.name", "ml-connector-databricks-tests");
        conf.put("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
        conf.put("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
        conf.put("spark.sql.ansi.enabled", "true");
        conf.put("spark.sql.warehouse.dir", warehouseDir);
        conf.put("spark.ui.enabled", "false");
        // loopback only: the driver would otherwise bind the machine's outward address
        conf.put("spark.driver.host", "127.0.0.1");
        conf.put("spark.driver.bindAddress", "127.0.0.1");
        conf.put("spark.sql.shuffle.partitions", "2");
        conf.put("spark.default.parallelism", "2");
        conf.put("spark.databricks.delta.snapshotPartitions", "2");
        for (Map.Entry<String, String> e : conf.entrySet()) {
            builder = config.invoke(builder, e.getKey(), e.getValue());
        }
        Object spark = builder.getClass().getMethod("getOrCreate").invoke(builder);
        Method sql = sessionClass.getMethod("sql", String.class, Map.class);
        Method collect = Class.forName("org.apache.spark.sql.Dataset").getMethod("collectAsList");
        Class<?> rowClass = Class.forName("org.apache.spark.sql.Row");
        Method size = rowClass.getMethod("size");
        Method get = rowClass.getMethod("get", int.class);

        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            System.out.println("SPARK-SQL-PORT " + server.getLocalPort());
            System.out.flush();
            while (true) {
                Socket s = server.accept();
                // a connection per warehouse client, each served on its own thread (one session, one statement at a time each)
                Thread t = new Thread(() -> {
                    try (s; DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
                         DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()))) {
                        // its own session: its own current database, the tables shared
                        serve(sessionClass.getMethod("newSession").invoke(spark), sql, collect, size, get, in, out);
                    } catch (Exception e) {
                        // the client went away
                    }
                }, "spark-sql-client");
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private static void serve(Object spark, Method sql, Method collect, Method size, Method get, DataInputStream in,
                              DataOutputStream out) throws Exception {
        String currentSchema = null;
        while (true) {
            String schema;
            try {
                schema = read(in);
            } catch (java.io.EOFException end) {
                return;
            }
            String statement = read(in);
            int n = in.readInt();
            Map<String, Object> params = new HashMap<>();
            String refused = null;
            for (int i = 0; i < n; i++) {
                String name = read(in);
                String type = read(in);
                String value = in.readBoolean() ? read(in) : null;
                try {
                    params.put(name, value(type, value));
                } catch (RuntimeException e) {
                    refused = "[INVALID_PARAMETER_VALUE] " + name + " (" + type + "): " + e.getMessage();
                }
            }
            try {
                if (refused != null) {
                    throw new IllegalArgumentException(refused);
                }
                if (!schema.equals(currentSchema)) {
                    sql.invoke(spark, "CREATE DATABASE IF NOT EXISTS `" + schema + "`", Map.of());
                    sql.invoke(spark, "USE `" + schema + "`", Map.of());
                    currentSchema = schema;
                }
                List<?> rows = (List<?>) collect.invoke(sql.invoke(spark, statement, params));
                out.writeBoolean(true);
                out.writeInt(rows.size());
                for (Object row : rows) {
                    int cols = (int) size.invoke(row);
                    out.writeInt(cols);
                    for (int c = 0; c < cols; c++) {
                        Object v = get.invoke(row, c);
                        out.writeBoolean(v != null);
                        if (v != null) {
                            write(out, v instanceof BigDecimal d ? d.toPlainString() : v.toString());
                        }
                    }
                }
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                out.writeBoolean(false);
                write(out, cause.getClass().getSimpleName() + ": " + String.valueOf(cause.getMessage()).trim());
            } catch (RuntimeException e) {
                out.writeBoolean(false);
                write(out, e.getMessage());
            }
            out.flush();
        }
    }

    /** A parameter as the warehouse types it: the API sends every value as text beside its SQL type. */
    private static Object value(String type, String value) {
        if (value == null) {
            return null;
        }
        String t = type.toUpperCase(Locale.ROOT);
        if (t.startsWith("DECIMAL")) {
            return new BigDecimal(value);
        }
        return switch (t) {
            case "STRING" -> value;
            case "BIGINT" -> Long.parseLong(value);
            case "INT" -> Integer.parseInt(value);
            case "BOOLEAN" -> Boolean.parseBoolean(value);
            case "DATE" -> LocalDate.parse(value);
            case "TIMESTAMP" -> Instant.parse(value);
            default -> throw new IllegalArgumentException("unknown type " + type);
        };
    }

    static String read(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    static void write(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }
}
