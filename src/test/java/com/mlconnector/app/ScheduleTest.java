package com.mlconnector.app;

import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** As a service, every mapped entity gets a cron route from the template; a firing runs a sync. */
class ScheduleTest {

    @Test
    void eachEntityIsScheduledAndAFiringSyncsIt() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("schedule.Products", "0/1 * * * * ?");   // every second
        try (ConnectorRuntime rt = ConnectorRuntime.start(new RuntimeOptions(Path.of("."), p, true, null, null))) {
            assertThat(rt.camelContext().getRoutes()).extracting(r -> r.getRouteId())
                    .contains("schedule-Products", "schedule-GLEntries", "schedule-Vendors");
            long deadline = System.currentTimeMillis() + 15_000;
            while (TestConnector.runs(rt, "Products").stream().noneMatch(r -> "SUCCEEDED".equals(r.get("STATUS")))
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertThat(TestConnector.runs(rt, "Products")).anySatisfy(r -> assertThat(r)
                    .containsEntry("STATUS", "SUCCEEDED").containsEntry("TRIGGER_KIND", "schedule"));
            assertThat(TestConnector.count(rt, "Products")).isEqualTo(500);
            assertThat(TestConnector.runs(rt, "GLEntries")).isEmpty(); // its cron has not come round
        }
    }

    @Test
    void entitiesAChangeStrategyCannotFullyFollowAreReconciledOnTheirOwnSchedule() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("reconcile.Invoices", "0/1 * * * * ?"); // every second, for the test (nightly by default)
        try (ConnectorRuntime rt = ConnectorRuntime.start(new RuntimeOptions(Path.of("."), p, true, null, null))) {
            assertThat(rt.camelContext().getRoutes()).extracting(r -> r.getRouteId())
                    .contains("reconcile-Invoices", "reconcile-GLEntries", "reconcile-PostedInvoices")
                    .as("a snapshot reads everything every time: no reconcile").doesNotContain("reconcile-Vendors");
            long deadline = System.currentTimeMillis() + 20_000;
            while (TestConnector.runs(rt, "Invoices").stream().noneMatch(r -> "SUCCEEDED".equals(r.get("STATUS")))
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertThat(TestConnector.runs(rt, "Invoices")).anySatisfy(r -> assertThat(r)
                    .containsEntry("STATUS", "SUCCEEDED").containsEntry("TRIGGER_KIND", "reconcile"));
            assertThat(TestConnector.query(rt, "SELECT * FROM batch_audit WHERE target_table = 'Invoices' AND kind = 'RECONCILE'"))
                    .isNotEmpty();
        }
    }

    /** schedule.misfire chooses the triggers' misfire instruction; a value it does not know stops start-up naming it. */
    @Test
    void scheduleMisfireSetsWhatAFiringALongRunOutlastedDoes() throws Exception {
        Properties p = TestConnector.defaults();
        for (String[] c : new String[][] {{"run-once", String.valueOf(org.quartz.CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW)},
                {"skip", String.valueOf(org.quartz.CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING)}}) {
            p.setProperty("schedule.misfire", c[0]);
            try (ConnectorRuntime rt = ConnectorRuntime.start(new RuntimeOptions(Path.of("."), p, true, null, null))) {
                org.quartz.Scheduler scheduler = rt.camelContext().getComponent("quartz",
                        org.apache.camel.component.quartz.QuartzComponent.class).getScheduler();
                org.quartz.Trigger t = scheduler.getTrigger(org.quartz.TriggerKey.triggerKey("VendorsV2", "sync"));
                assertThat(t.getMisfireInstruction()).as(c[0]).isEqualTo(Integer.parseInt(c[1]));
                assertThat(scheduler.getJobDetail(t.getJobKey()).requestsRecovery()).isTrue();
            }
        }
        p.setProperty("schedule.misfire", "burst");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConnectorRuntime.start(new RuntimeOptions(Path.of("."), p, true, null, null)).close())
                .isInstanceOf(com.mlconnector.config.ConfigException.class).hasMessageContaining("schedule.misfire");
    }
}
