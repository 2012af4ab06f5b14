package com.mlconnector.sync;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** Each destination takes batches from a bounded queue of its own: a slow one holds the others back only that far. */
class DeliveryQueuesTest {
    private static final int DEPTH = 2;

    private static Instant at(Object v) {
        return v instanceof java.sql.Timestamp ts ? ts.toInstant() : ((java.time.OffsetDateTime) v).toInstant();
    }

    @Test
    void aSlowDestinationHoldsTheReadAndTheOthersBackOnlyAsFarAsItsQueue() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("databricks.enabled", "true");
        p.setProperty("databricks.job-id", "");
        p.setProperty("databricks.rows-per-statement", "1000"); // one MERGE per batch
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "12000");
        p.setProperty("sync.batch-size", "1000");
        p.setProperty("sync.queue-depth", String.valueOf(DEPTH));
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.sandbox().databricks().setStatementDelayMillis(400); // a busy warehouse: 12 batches, 5 s and more
            rt.syncNow("GLEntries", "test");
            List<Map<String, Object>> confirmed = TestConnector.query(rt, "SELECT destination, finished_at FROM batch_audit "
                    + "WHERE target_table = 'GLEntries' AND kind = 'UPSERT' AND status = 'CONFIRMED' ORDER BY finished_at");
            List<Instant> landing = confirmed.stream().filter(r -> "landing".equals(r.get("DESTINATION"))).map(r -> at(r.get("FINISHED_AT"))).toList();
            List<Instant> databricks = confirmed.stream().filter(r -> "databricks".equals(r.get("DESTINATION"))).map(r -> at(r.get("FINISHED_AT"))).toList();
            assertThat(landing).hasSize(12);
            assertThat(databricks).hasSize(12);
            // decoupled: the landing did not wait for each Databricks MERGE (in one line, it could confirm batch k+1 only
            // after Databricks had confirmed batch k)
            long landedBeforeSecondMerge = landing.stream().filter(t -> t.isBefore(databricks.get(1))).count();
            assertThat(landedBeforeSecondMerge).as("landing batches confirmed before Databricks confirmed its second")
                    .isGreaterThanOrEqualTo(DEPTH + 1);
            // bounded: the read, and so the landing, ran at most the queue (and the batch in hand) ahead of Databricks
            for (int i = 0; i < landing.size(); i++) {
                Instant t = landing.get(i);
                long merged = databricks.stream().filter(x -> !x.isAfter(t)).count();
                assertThat(i + 1 - merged).as("landing batch %d confirmed with %d Databricks batches done", i + 1, merged)
                        .isLessThanOrEqualTo(DEPTH + 2);
            }
            assertThat(TestConnector.runs(rt, "GLEntries").get(0)).containsEntry("STATUS", "SUCCEEDED");
            assertThat(rt.sandbox().databricks().query("SELECT COUNT(*) AS N FROM \"GLEntries\"").get(0).get("N")).isEqualTo(12_000L);
        }
    }
}
