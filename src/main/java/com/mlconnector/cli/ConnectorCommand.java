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

    @Override
    public Integer call() throws Exception {
        return new RunCommand().runIn(dir);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new ConnectorCommand())
                .setExecutionExceptionHandler(new FailureHandler())
                .execute(args);
        System.exit(code);
    }
}
