package com.mlconnector.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code java -jar ml-connector.jar [run|sync|check|encrypt|benchmark]}; with no command it runs as a service. */
@Command(name = "ml-connector", mixinStandardHelpOptions = true, version = "ml-connector 0.1.0",
        description = "Reads Dynamics 365 F&O finance data and lands it for Power BI, Tableau and Databricks.",
        subcommands = {RunCommand.class, SyncCommand.class, CheckCommand.class, StatusCommand.class, ReplayCommand.class, EncryptCommand.class, BenchmarkCommand.class})
public final class ConnectorCommand implements Callable<Integer> {

    @Option(names = "--dir", description = "Folder with application.properties, routes/ and mappings/ (default: current)",
            defaultValue = ".", scope = CommandLine.ScopeType.INHERIT)
    Path dir;

    @Option(names = "--sandbox", description = "Run against the in-process sandbox on purpose (connector.sandbox=true): "
            + "emulated F&O and destinations, its own database under ./data/sandbox.", scope = CommandLine.ScopeType.INHERIT)
    boolean sandbox;

    /** What the command line overrides: --sandbox. */
    java.util.Properties overrides() {
        java.util.Properties p = new java.util.Properties();
        if (sandbox) {
            p.setProperty("connector.sandbox", "true");
        }
        return p;
    }

    @Override
    public Integer call() throws Exception {
        return new RunCommand().runIn(dir, overrides());
    }

    public static void main(String[] args) {
        int code = new CommandLine(new ConnectorCommand())
                .setExecutionExceptionHandler(new FailureHandler())
                .execute(args);
        System.exit(code);
    }
}
