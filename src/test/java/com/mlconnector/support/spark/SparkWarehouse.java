package com.mlconnector.support.spark;

import com.mlconnector.sandbox.DatabricksWarehouse;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Databricks tests' warehouse: Spark SQL 4.0.1 + Delta Lake 4.0.1 ({@code src/test/spark/pom.xml}) in a JVM of its
 * own ({@link SparkSqlServer}), started once per test JVM and shared. Its classpath is resolved by Maven the first
 * time (into target/spark-classpath.txt).
 */
public final class SparkWarehouse implements DatabricksWarehouse {
    private static final Path POM = Path.of("src/test/spark/pom.xml");
    private static final Path CLASSPATH = Path.of("target/spark-classpath.txt");
    private static Process engine;
    private static int port;

    private final String schema;
    private Socket socket;
    private DataInputStream in;
    private DataOutputStream out;

    /** A connection to the shared engine, running statements in the given schema (Spark database). */
    public SparkWarehouse(String schema) {
        this.schema = schema;
        try {
            int p = start();
            socket = new Socket(InetAddress.getLoopbackAddress(), p);
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot start Spark SQL for the Databricks tests (log: target/spark-engine.log)", e);
        }
    }

    private static synchronized int start() throws Exception {
        if (engine != null && engine.isAlive()) {
            return port;
        }
        String cp = classpath();
        Path warehouse = Files.createTempDirectory("spark-warehouse-");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-XX:+IgnoreUnrecognizedVMOptions",
                // what Spark's launcher opens on Java 17
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
                "--add-opens=java.base/sun.security.action=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
                "-Djdk.reflect.useDirectMethodHandle=false", "-Dio.netty.tryReflectionSetAccessible=true",
                "-cp", Path.of("target/test-classes").toAbsolutePath() + java.io.File.pathSeparator + cp,
                SparkSqlServer.class.getName(), warehouse.toString()));
        Path log = Path.of("target/spark-engine.log");
        engine = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> engine.destroyForcibly()));
        BufferedReader lines = new BufferedReader(new InputStreamReader(engine.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.startsWith("SPARK-SQL-PORT ")) {
                port = Integer.parseInt(line.substring("SPARK-SQL-PORT ".length()).trim());
                Thread drain = new Thread(() -> {
                    try {
                        lines.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException ignored) {
                        // the engine ended
                    }
                }, "spark-engine-stdout");
                drain.setDaemon(true);
                drain.start();
                return port;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        engine.destroyForcibly();
        throw new IllegalStateException("Spark SQL did not start within 180 s; see " + log.toAbsolutePath());
    }

    /** Spark's classpath, resolved by Maven from src/test/spark/pom.xml the first time (and when that file changes). */
    private static String classpath() throws Exception {
        if (!Files.isRegularFile(CLASSPATH) || Files.getLastModifiedTime(CLASSPATH).compareTo(Files.getLastModifiedTime(POM)) < 0) {
            String mvnw = Path.of(System.getProperty("os.name").toLowerCase().contains("win") ? "mvnw.cmd" : "mvnw").toAbsolutePath().toString();
            Process p = new ProcessBuilder(mvnw, "-B", "-q", "-ntp", "-f", POM.toString(), "dependency:build-classpath",
                    "-Dmdep.outputFile=" + CLASSPATH.toAbsolutePath()).redirectErrorStream(true)
                    .redirectOutput(Path.of("target/spark-classpath.log").toFile()).start();
            if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("resolving Spark's classpath failed; see target/spark-classpath.log");
            }
        }
        return Files.readString(CLASSPATH).trim();
    }

    private volatile Path volumes;

    @Override
    public void mountVolumes(Path root) {
        volumes = root;
    }

    private static final java.util.regex.Pattern COPY_INTO = java.util.regex.Pattern.compile(
            "(?is)^\\s*COPY\\s+INTO\\s+(`[A-Za-z0-9_]+`)\\s+FROM\\s+'/Volumes/([^']+)'\\s+FILEFORMAT\\s*=\\s*JSON\\s*$");

    /**
     * COPY INTO is Databricks' (open-source Delta has none): here it runs as Spark's JSON file reader over the volume's
     * local folder, its fields matched to the table's columns by name. Unlike COPY INTO it does not skip files loaded
     * before; the connector's MERGE from staging takes one row per key, so a repeated load changes nothing either way.
     */
    private String translate(String sql) {
        java.util.regex.Matcher copy = COPY_INTO.matcher(sql);
        if (!copy.matches() || volumes == null) {
            return sql;
        }
        Path dir = volumes.resolve(copy.group(2));
        return "INSERT INTO " + copy.group(1) + " BY NAME SELECT * FROM json.`" + dir.toAbsolutePath().toString().replace("`", "``") + "`";
    }

    @Override
    public synchronized List<List<String>> execute(String statement, List<Param> params) throws Exception {
        String sql = translate(statement);
        SparkSqlServer.write(out, schema);
        SparkSqlServer.write(out, sql);
        out.writeInt(params.size());
        for (Param p : params) {
            SparkSqlServer.write(out, p.name());
            SparkSqlServer.write(out, p.type());
            out.writeBoolean(p.value() != null);
            if (p.value() != null) {
                SparkSqlServer.write(out, p.value());
            }
        }
        out.flush();
        if (!in.readBoolean()) {
            throw new java.sql.SQLException(SparkSqlServer.read(in));
        }
        int rows = in.readInt();
        List<List<String>> result = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            int cols = in.readInt();
            List<String> row = new ArrayList<>(cols);
            for (int c = 0; c < cols; c++) {
                row.add(in.readBoolean() ? SparkSqlServer.read(in) : null);
            }
            result.add(row);
        }
        return result;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // the engine stays up for the next test
        }
    }

    @Override
    public String toString() {
        return "Spark SQL + Delta Lake";
    }
}
