package com.mlconnector.powerbi;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.sandbox.PowerBiEmulator;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over runs that need at least three rate windows (sandbox time sped up), the emulator answers no 429 that the
 * connector's pacing should have avoided, and delivery after the first window reaches at least 90% of the allowed
 * rate. Prints the figures.
 */
class PowerBiPacingTest {

    private static Properties base(double scale) {
        Properties p = TestConnector.defaults();
        p.setProperty("powerbi.enabled", "true");
        p.setProperty("powerbi.tables", "GLEntries");
        p.setProperty("sandbox.powerbi.keep-rows", "false");
        p.setProperty("sandbox.time-scale", String.valueOf(scale));
        return p;
    }

    @Test
    void rowsPerHourAcrossThreeWindows() throws Exception {
        // an hour of Power BI time in 30 s: slow enough that the connector's own work per batch stays small
        // beside the window, as it is at real speed
        Properties p = base(120);
        p.setProperty("sandbox.powerbi.rows-per-hour", "20000");
        p.setProperty("powerbi.rows-per-hour", "20000");
        p.setProperty("sync.batch-size", "5000");
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "60000");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("GLEntries", "test");
            PowerBiEmulator pb = rt.sandbox().powerBi();
            assertThat(pb.dataset("ml-connector").table("GLEntries").count()).isEqualTo(60_000);
            assertThat(pb.rateLimited()).as("429s the pacing should have avoided").isZero();
            List<Object[]> log = pb.postLog();
            Duration span = Duration.between((Instant) log.get(0)[0], (Instant) log.get(log.size() - 1)[0]);
            long afterFirstWindow = 60_000 - 20_000;
            double perHour = afterFirstWindow / (span.toMillis() / 3_600_000.0);
            System.out.printf("Power BI pacing, rows/hour limit 20,000: 60,000 rows in %d POSTs over %.2f h of Power BI time; "
                    + "after the first window %.0f rows/h = %.0f%% of the limit; 429s from limits: %d%n",
                    log.size(), span.toMillis() / 3_600_000.0, perHour, 100 * perHour / 20_000, pb.rateLimited());
            assertThat(span).isGreaterThanOrEqualTo(Duration.ofHours(2)); // three windows were needed
            assertThat(perHour).isGreaterThanOrEqualTo(0.9 * 20_000);
        }
    }

    @Test
    void postsPerMinuteAcrossThreeWindows() throws Exception {
        Properties p = base(10);    // a minute in 6 s
        p.setProperty("sandbox.powerbi.posts-per-minute", "10");
        p.setProperty("powerbi.posts-per-minute", "10");
        p.setProperty("sync.batch-size", "400");
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "12000");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("GLEntries", "test");
            PowerBiEmulator pb = rt.sandbox().powerBi();
            assertThat(pb.dataset("ml-connector").table("GLEntries").count()).isEqualTo(12_000);
            assertThat(pb.rateLimited()).isZero();
            List<Object[]> log = pb.postLog();
            Duration span = Duration.between((Instant) log.get(0)[0], (Instant) log.get(log.size() - 1)[0]);
            double perMinute = (log.size() - 10) / (span.toMillis() / 60_000.0);
            System.out.printf("Power BI pacing, POSTs/minute limit 10: %d POSTs over %.1f min of Power BI time; "
                    + "after the first window %.2f POSTs/min = %.0f%% of the limit; 429s from limits: %d%n",
                    log.size(), span.toMillis() / 60_000.0, perMinute, 100 * perMinute / 10, pb.rateLimited());
            assertThat(span).isGreaterThanOrEqualTo(Duration.ofMinutes(2));
            assertThat(perMinute).isGreaterThanOrEqualTo(9.0);
        }
    }
}
