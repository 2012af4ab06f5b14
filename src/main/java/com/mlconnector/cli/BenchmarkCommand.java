package com.mlconnector.cli;

import com.mlconnector.bench.DatabricksPathsBenchmark;
import com.mlconnector.bench.SyncBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** Throughput and memory figures against the sandbox (not a test: it prints, it does not judge). */
@Command(name = "benchmark", description = "Sync N GL entries from the sandbox into a null destination and into the "
        + "landing database, beside a bare HTTP + Jackson baseline; print rows/s, the ratio and peak heap.")
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

    @Override
    public Integer call() throws Exception {
        new SyncBenchmark(parent.dir, rows, pageSize, !noLanding, snapshotRows, spec.commandLine().getOut()).run();
        if (databricksRows > 0) {
            new DatabricksPathsBenchmark(parent.dir, databricksRows, pageSize, spec.commandLine().getOut()).run();
        }
        return 0;
    }
}
