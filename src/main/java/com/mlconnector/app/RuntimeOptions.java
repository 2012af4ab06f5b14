package com.mlconnector.app;

import com.mlconnector.sync.BatchSink;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * How to start the connector.
 *
 * @param workDir        where application.properties, routes/ and mappings/ are
 * @param overrides      properties that win over every other source (tests, benchmark)
 * @param schedules      true to install the cron routes (the service); false for one-off runs
 * @param sink           replaces the landing writer when not null (the benchmark's null destination)
 * @param masterPassword the Jasypt master password; null reads it from the environment
 * @param beans          route beans to bind instead of the connector's own (benchmark), by name
 */
public record RuntimeOptions(Path workDir, Properties overrides, boolean schedules, BatchSink sink, String masterPassword,
                             Map<String, Object> beans) {
    public RuntimeOptions(Path workDir, Properties overrides, boolean schedules, BatchSink sink, String masterPassword) {
        this(workDir, overrides, schedules, sink, masterPassword, Map.of());
    }

    public static RuntimeOptions service(Path workDir) {
        return new RuntimeOptions(workDir, new Properties(), true, null, null);
    }

    public static RuntimeOptions once(Path workDir, Properties overrides) {
        return new RuntimeOptions(workDir, overrides, false, null, null);
    }

    public RuntimeOptions withSink(BatchSink s) {
        return new RuntimeOptions(workDir, overrides, schedules, s, masterPassword, beans);
    }

    public RuntimeOptions withMasterPassword(String pw) {
        return new RuntimeOptions(workDir, overrides, schedules, sink, pw, beans);
    }

    public RuntimeOptions withBean(String name, Object bean) {
        Map<String, Object> all = new java.util.HashMap<>(beans);
        all.put(name, bean);
        return new RuntimeOptions(workDir, overrides, schedules, sink, masterPassword, Map.copyOf(all));
    }
}
