package com.mlconnector.bench;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.sandbox.DatabricksEmulator;
import com.mlconnector.sync.NullSink;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Loads N GL entries from the sandbox into Databricks (the only destination; the landing database is a null sink) by
 * each path in turn: MERGE statements per batch, then the bulk path (files in a volume, COPY INTO, one MERGE). Prints
 * the statements each needed per 100,000 rows and rows/s end to end. The warehouse is the sandbox's (H2), so rows/s
 * say how the connector's side compares; statements are what a real warehouse is billed and queued for.
 */
public final class DatabricksPathsBenchmark {
    private static final String ENTITY = SandboxBenchProperties.GL;

    private final Path workDir;
    private final long rows;
    private final int pageSize;
    private final PrintWriter out;

    public DatabricksPathsBenchmark(Path workDir, long rows, int pageSize, PrintWriter out) {
        this.workDir = workDir;
        this.rows = rows;
        this.pageSize = pageSize;
        this.out = out;
    }

    public void run() throws Exception {
        out.printf("Databricks: %,d %s rows by each path (sandbox warehouse; Databricks the only destination)%n", rows, ENTITY);
        pass("MERGE statements (below the threshold)", Long.MAX_VALUE);
        pass("bulk path (files, COPY INTO, one MERGE)", 1);
    }

    private void pass(String what, long threshold) throws Exception {
        Properties p = SandboxBenchProperties.of(rows, pageSize);
        p.setProperty("databricks.enabled", "true");
        p.setProperty("databricks.bulk-threshold-rows", String.valueOf(Math.min(threshold, Integer.MAX_VALUE)));
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(workDir, p).withSink(new NullSink()))) {
            DatabricksEmulator db = rt.sandbox().databricks();
            long t0 = System.nanoTime();
            rt.syncNow(ENTITY, "benchmark");
            double seconds = (System.nanoTime() - t0) / 1e9;
            long landed = ((Number) db.query("SELECT COUNT(*) AS N FROM \"GLEntries\"").get(0).get("N")).longValue();
            if (landed != rows) {
                throw new IllegalStateException(what + ": Databricks holds " + landed + " rows, expected " + rows);
            }
            long statements = db.statements();
            out.printf("  %-42s %,10.0f rows/s  %,6d statements (%,.1f per 100,000 rows), %,d files  (%,d rows in %.1f s)%n",
                    what, rows / seconds, statements, statements * 100_000.0 / rows, db.volumes().uploads(), rows, seconds);
            out.flush();
        }
    }
}
