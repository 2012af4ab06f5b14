package com.mlconnector.sync;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A destination that fails: transient failures are retried per batch, a lasting one fails the run once. */
class BatchFailureTest {

    /** Fails the first {@code failures} writes with the given SQL state, then accepts. */
    private static final class FlakySink implements BatchSink {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger rows = new AtomicInteger();
        final int failures;
        final String sqlState;

        FlakySink(int failures, String sqlState) {
            this.failures = failures;
            this.sqlState = sqlState;
        }

        @Override
        public void write(Batch batch) throws SQLException {
            if (calls.incrementAndGet() <= failures) {
                throw new SQLException("landing database unavailable", sqlState);
            }
            rows.addAndGet(batch.size());
        }
    }

    private static ConnectorRuntime start(BatchSink sink, Properties p) {
        return ConnectorRuntime.start(RuntimeOptions.once(Path.of("."), p).withSink(sink));
    }

    @Test
    void aLostDatabaseConnectionIsRetriedForThatBatchOnly() throws Exception {
        FlakySink sink = new FlakySink(2, "08006");
        Properties p = TestConnector.defaults();
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "25000");
        try (ConnectorRuntime rt = start(sink, p)) {
            rt.syncNow("GLEntries", "test");
            assertThat(sink.rows.get()).isEqualTo(25_000);
            assertThat(sink.calls.get()).isEqualTo(3 + 2); // three batches, the first one twice more
            assertThat(rt.sandbox().fno().dataRequests()).isEqualTo(3); // no page was read again
        }
    }

    @Test
    void aBatchThatKeepsFailingIsDeadLetteredWholeAndTheRunGoesOn() throws Exception {
        FlakySink sink = new FlakySink(3, "08006"); // the first batch fails all its attempts, the next ones pass
        Properties p = TestConnector.defaults();
        p.setProperty("retry.max-attempts", "3");
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "25000");
        try (ConnectorRuntime rt = start(sink, p)) {
            assertThatThrownBy(() -> rt.syncNow("GLEntries", "test")).hasRootCauseInstanceOf(DeadLetteredException.class);
            assertThat(sink.calls.get()).isEqualTo(3 + 2); // not multiplied by the route around the batch
            assertThat(sink.rows.get()).isEqualTo(15_000);
            Map<String, Object> run = TestConnector.runs(rt, "GLEntries").get(0);
            assertThat(run).containsEntry("STATUS", "PARTIAL").containsEntry("DEAD_BATCHES", 1);
            var dead = rt.deadLetters().list(true);
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).rows()).isEqualTo(10_000);
            assertThat(dead.get(0).reason()).contains("landing database unavailable");
            Batch kept = rt.deadLetters().load(dead.get(0).batchId(), rt.mappings());
            assertThat(kept.rows()).hasSize(10_000);
            assertThat(kept.keys().get(0)).isEqualTo("5637144576");
            assertThat(TestConnector.query(rt, "SELECT status, attempts, row_count FROM batch_audit WHERE status = 'DEAD'"))
                    .singleElement().satisfies(r -> assertThat(r).containsEntry("ATTEMPTS", 3).containsEntry("ROW_COUNT", 10_000));
        }
    }

    @Test
    void aRefusedBatchIsNotRetriedButKept() throws Exception {
        FlakySink sink = new FlakySink(Integer.MAX_VALUE, "22001"); // data too long: retrying cannot help
        try (ConnectorRuntime rt = start(sink, TestConnector.defaults())) {
            assertThatThrownBy(() -> rt.syncNow("Vendors", "test")).isInstanceOf(RuntimeException.class);
            assertThat(sink.calls.get()).isEqualTo(1);
            assertThat(rt.deadLetters().list(true)).hasSize(1);
        }
    }
}
