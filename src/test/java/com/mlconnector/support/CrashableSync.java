package com.mlconnector.support;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;

import java.nio.file.Path;
import java.util.Properties;

/** A child JVM for the crash test: syncs the given tables into the given landing database, then exits 0. */
public final class CrashableSync {
    private CrashableSync() {
    }

    public static Properties settings(String landingUrl) {
        Properties p = new Properties();
        p.setProperty("sandbox.landing.jdbc-url", landingUrl);
        p.setProperty("sandbox.fno.throttle-share", "0");
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "30000");
        p.setProperty("sandbox.fno.page-size", "1000");
        p.setProperty("sync.batch-size", "1000");
        p.setProperty("databricks.enabled", "false"); // idempotent by MERGE; left out to keep the test short
        p.setProperty("tableau.enabled", "false"); // reads the landing: nothing of its own to lose in a crash
        p.setProperty("events.enabled", "false");
        // a killed child's table lease expires this soon, so the next child takes its tables over without a long wait
        p.setProperty("sync.lease-seconds", "5");
        return p;
    }

    public static void main(String[] args) {
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(Path.of("."), settings(args[0])))) {
            for (int i = 1; i < args.length; i++) {
                rt.syncNow(args[i], "crash-test");
            }
        }
        System.exit(0);
    }
}
