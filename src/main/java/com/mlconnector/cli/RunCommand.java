package com.mlconnector.cli;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Runs as a service: every mapped entity on its cron schedule, until stopped. */
@Command(name = "run", description = "Run as a service: each entity on its cron schedule (the default).")
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    ConnectorCommand parent;

    @Override
    public Integer call() throws Exception {
        return runIn(parent.dir, parent.overrides());
    }

    int runIn(Path dir, java.util.Properties overrides) throws InterruptedException {
        ConnectorRuntime rt = ConnectorRuntime.start(new RuntimeOptions(dir, overrides, true, null, null));
        Runtime.getRuntime().addShutdownHook(new Thread(rt::close, "shutdown"));
        rt.awaitShutdown();
        return 0;
    }
}
