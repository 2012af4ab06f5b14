package com.mlconnector.bench;

import java.util.Properties;
import java.util.UUID;

/**
 * What every benchmark pass starts from: the sandbox, N GL entries served in pages of the given size, no random
 * throttling, an in-memory state database of its own, and every destination switched off (a pass switches on the one
 * it measures), so a figure measures the connector and not the emulators.
 */
final class SandboxBenchProperties {
    static final String GL = "GeneralJournalAccountEntryBiEntities";

    private SandboxBenchProperties() {
    }

    static Properties of(long glRows, int pageSize) {
        Properties p = new Properties();
        p.setProperty("d365.url", "");
        p.setProperty("connector.sandbox", "true");
        p.setProperty("sandbox.fno.rows." + GL, String.valueOf(glRows));
        p.setProperty("sandbox.fno.page-size", String.valueOf(pageSize));
        p.setProperty("sandbox.fno.throttle-share", "0");
        p.setProperty("sandbox.landing.jdbc-url", "jdbc:h2:mem:bench-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        p.setProperty("powerbi.enabled", "false");
        p.setProperty("databricks.enabled", "false");
        p.setProperty("tableau.enabled", "false");
        p.setProperty("events.enabled", "false");
        return p;
    }
}
