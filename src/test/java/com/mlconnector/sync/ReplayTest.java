package com.mlconnector.sync;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.Replay;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.ops.StatusReport;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A dead-lettered batch is listed, replayed into the landing database, and replaying again changes nothing. */
class ReplayTest {

    /** The real landing writer, behind an outage of the first {@code outage} writes. */
    private static final class Outage implements BatchSink {
        volatile BatchSink real;
        final AtomicInteger calls = new AtomicInteger();
        final int outage;

        Outage(int outage) {
            this.outage = outage;
        }

        @Override
        public void write(Batch batch) throws Exception {
            if (calls.incrementAndGet() <= outage) {
                throw new SQLException("connection refused", "08001");
            }
            real.write(batch);
        }
    }

    @Test
    void deadLettersAreReportedReplayedAndReplayIsIdempotent() throws Exception {
        Outage sink = new Outage(3);
        Properties p = TestConnector.defaults();
        p.setProperty("retry.max-attempts", "3");
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "25000");
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(Path.of("."), p).withSink(sink))) {
            sink.real = rt.camelContext().getRegistry().lookupByNameAndType("landingWriter", BatchSink.class);

            assertThatThrownBy(() -> rt.syncNow("GLEntries", "test")).hasRootCauseInstanceOf(DeadLetteredException.class);
            assertThat(TestConnector.count(rt, "GLEntries")).isEqualTo(15_000);
            // a dead batch holds the watermark back, so nothing after it is skipped by the next read
            assertThat(TestConnector.query(rt, "SELECT * FROM watermark WHERE target_table = 'GLEntries'")).isEmpty();

            StatusReport.Line line = StatusReport.of(rt.landing().dataSource(), rt.mappings().all(), "landing").stream()
                    .filter(l -> l.table().equals("GLEntries")).findFirst().orElseThrow();
            assertThat(line.deadLetters()).isEqualTo(1);
            assertThat(line.failuresSince()).isEqualTo(1);
            assertThat(line.lastError()).contains("dead-lettered");
            assertThat(StatusReport.render(List.of(line))).contains("GLEntries").contains("never");

            List<String> pending = Replay.pending(rt.deadLetters());
            assertThat(pending).hasSize(1);
            assertThat(Replay.run(rt, pending)).singleElement().satisfies(o -> assertThat(o.ok()).isTrue());
            assertThat(TestConnector.count(rt, "GLEntries")).isEqualTo(25_000);
            assertThat(rt.deadLetters().list(true)).isEmpty();
            assertThat(Replay.run(rt, pending)).singleElement().satisfies(o -> assertThat(o.ok()).isTrue());
            assertThat(TestConnector.count(rt, "GLEntries")).isEqualTo(25_000);
            assertThat(TestConnector.query(rt, "SELECT answer FROM batch_audit WHERE answer LIKE 'replay of %'")).hasSize(2);

            // the replayed rows are remembered: the next run finds nothing to send
            rt.syncNow("GLEntries", "test");
            List<java.util.Map<String, Object>> runs = TestConnector.runs(rt, "GLEntries");
            assertThat(runs.get(runs.size() - 1)).containsEntry("STATUS", "SUCCEEDED").containsEntry("ROWS_WRITTEN", 0L)
                    .containsEntry("ROWS_UNCHANGED", 25_000L);
        }
    }
}
