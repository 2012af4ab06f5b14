package com.mlconnector.app;

import com.mlconnector.sync.BatchSink;

import java.nio.file.Path;
import java.util.Properties;

/**
 * How to start the connector.
 *
 * @param workDir        where application.properties, routes/ and mappings/ are
 * @param overrides      properties that win over every other source (tests, benchmark)
 * @param schedules      true to install the cron routes (the service); false for one-off runs
 * @param sink           replaces the landing writer when not null (the benchmark's null destination)
 * @param masterPassword the Jasypt master password; null reads it from the environment
 */
public record RuntimeOptions(Path workDir, Properties overrides, boolean schedules, BatchSink sink, String masterPassword) {
    public static RuntimeOptions service(Path workDir) {
        return new RuntimeOptions(workDir, new Properties(), true, null, null);
    }

    public static RuntimeOptions once(Path workDir, Properties overrides) {
        return new RuntimeOptions(workDir, overrides, false, null, null);
    }

    public RuntimeOptions withSink(BatchSink s) {
        return new RuntimeOptions(workDir, overrides, schedules, s, masterPassword);
    }

    public RuntimeOptions withMasterPassword(String pw) {
        return new RuntimeOptions(workDir, overrides, schedules, sink, pw);
    }
}
