package com.mlconnector.sync;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.ops.StatusReport;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One destination that keeps failing does not drag every read of its table back to its old watermark: the read starts
 * where the destinations that keep up need it, and the lagging one catches up through its dead letters once it works.
 */
class LaggingDestinationTest {
    private static long deadWaiting(ConnectorRuntime rt, String destination) throws Exception {
        return ((Number) TestConnector.query(rt, "SELECT COUNT(*) AS N FROM dead_letter WHERE destination = '" + destination
                + "' AND replayed_at IS NULL").get(0).get("N")).longValue();
    }

    @Test
    void aStuckDestinationDoesNotDragTheReadBackAndCatchesUpOnceItWorks() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("databricks.enabled", "true");
        p.setProperty("databricks.job-id", "");
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "3000");
        p.setProperty("sync.batch-size", "1000");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.sandbox().databricks().stopWarehouse(true);
            assertThatThrownBy(() -> rt.syncNow("GLEntries", "test")).hasStackTraceContaining("dead-lettered");
            assertThat(TestConnector.count(rt, "GLEntries")).isEqualTo(3000);
            assertThat(deadWaiting(rt, "databricks")).isEqualTo(3);
            long landingMark = ((Number) TestConnector.query(rt, "SELECT mark_value FROM watermark WHERE target_table = 'GLEntries' "
                    + "AND destination = 'landing'").get(0).get("MARK_VALUE")).longValue();

            // new entries while Databricks is still down: the read starts where the landing needs it, not from scratch
            for (int i = 0; i < 5; i++) {
                rt.sandbox().insert("GeneralJournalAccountEntryBiEntities", Map.of("Text", "later " + i));
            }
            assertThatThrownBy(() -> rt.syncNow("GLEntries", "test")).hasStackTraceContaining("dead-lettered");
            assertThat(rt.sandbox().fno().recentRequests()).filteredOn(r -> r.startsWith("/data/GeneralJournalAccountEntryBiEntities"))
                    .last().asString().contains("SourceKey%20gt%20" + (landingMark - 1000));
            Map<String, Object> second = TestConnector.runs(rt, "GLEntries").get(1);
            assertThat(((Number) second.get("ROWS_READ")).longValue()).as("the overlap and the new entries only").isEqualTo(1005);
            assertThat(TestConnector.count(rt, "GLEntries")).isEqualTo(3005);
            // visible: the run says which destination failed and why, status counts what waits
            assertThat((String) second.get("ERROR_MESSAGE")).contains("databricks:").contains("WAREHOUSE_STOPPED");
            List<StatusReport.Line> status = StatusReport.of(rt.landing().dataSource(), List.of(rt.mappings().get("GLEntries")), "databricks");
            assertThat(status.get(0).deadLetters()).as("three batches of the first run, two of the second").isEqualTo(5);

            // the warehouse works again: the next run catches Databricks up through its dead letters
            rt.sandbox().databricks().stopWarehouse(false);
            rt.syncNow("GLEntries", "test");
            assertThat(TestConnector.runs(rt, "GLEntries").get(2)).containsEntry("STATUS", "SUCCEEDED");
            assertThat(deadWaiting(rt, "databricks")).isZero();
            assertThat(rt.sandbox().databricks().query("SELECT COUNT(*) AS N FROM \"GLEntries\"").get(0).get("N")).isEqualTo(3005L);
        }
    }
}
