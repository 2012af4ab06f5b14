package com.mlconnector.cli;

import com.mlconnector.bench.DatabricksPathsBenchmark;
import com.mlconnector.bench.ReadLatencyBenchmark;
import com.mlconnector.bench.SyncBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** Throughput and memory figures against the sandbox (not a test: it prints, it does not judge). */
@Command(name = "benchmark", description = "Sync N GL entries from the sandbox into a null destination and into the "
        + "landing database, beside a bare HTTP + Jackson baseline; the same read against an F&O with latency at 1 and 4 "
        + "requests in flight; print rows/s, the ratios and peak heap.")
final class BenchmarkCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    ConnectorCommand parent;

    @Option(names = "--rows", defaultValue = "1000000", description = "GL entries to sync (default ${DEFAULT-VALUE})")
    long rows;

    @Option(names = "--page-size", defaultValue = "10000", description = "sandbox page size (default ${DEFAULT-VALUE})")
    int pageSize;

    @Option(names = "--no-landing", description = "skip the pass into the landing database")
    boolean noLanding;

    @Option(names = "--snapshot-rows", defaultValue = "100000",
            description = "vendors for the snapshot pass: a full load, then an unchanged incremental run (0 skips; default ${DEFAULT-VALUE})")
    long snapshotRows;

    @Option(names = "--databricks-rows", defaultValue = "100000",
            description = "GL entries for the Databricks pass: MERGE statements vs the bulk path (0 skips; default ${DEFAULT-VALUE})")
    long databricksRows;

    @Option(names = "--latency-rows", defaultValue = "200000",
            description = "GL entries for the F&O-latency pass: 1 vs 4 requests in flight (0 skips; default ${DEFAULT-VALUE})")
    long latencyRows;

    @Option(names = "--latency-ms", defaultValue = "300", description = "emulated F&O time per request (default ${DEFAULT-VALUE})")
    long latencyMillis;

    @Option(names = "--latency-row-micros", defaultValue = "100", description = "emulated F&O time per row (default ${DEFAULT-VALUE})")
    long latencyRowMicros;

    @Override
    public Integer call() throws Exception {
        new SyncBenchmark(parent.dir, rows, pageSize, !noLanding, snapshotRows, spec.commandLine().getOut()).run();
        if (latencyRows > 0) {
            new ReadLatencyBenchmark(parent.dir, latencyRows, pageSize, latencyMillis, latencyRowMicros, spec.commandLine().getOut()).run();
        }
        if (databricksRows > 0) {
            new DatabricksPathsBenchmark(parent.dir, databricksRows, pageSize, spec.commandLine().getOut()).run();
        }
        return 0;
    }
}
