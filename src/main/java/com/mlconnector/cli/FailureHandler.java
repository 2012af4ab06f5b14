package com.mlconnector.cli;

import com.mlconnector.config.ConfigException;
import com.mlconnector.mapping.MappingException;
import picocli.CommandLine;

/** Turns start-up failures into one plain line and an exit code: 2 for configuration, 1 for anything else. */
public final class FailureHandler implements CommandLine.IExecutionExceptionHandler {
    static final int CONFIG = 2;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parse) {
        if (ex instanceof ConfigException || ex instanceof MappingException) {
            cmd.getErr().println("Configuration error: " + ex.getMessage());
            return CONFIG;
        }
        cmd.getErr().println("ml-connector failed: " + ex.getMessage());
        ex.printStackTrace(cmd.getErr());
        return 1;
    }
}
