package com.mlconnector.sync;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.sandbox.FnoEmulator;
import com.mlconnector.support.ExpectedRows;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** A large read is split into chains of pages read at once; the growing-key watermark never passes an unconfirmed key. */
class PartitionedReadTest {
    private static final String GL = "GeneralJournalAccountEntryBiEntities";

    private static Properties large() {
        Properties p = TestConnector.defaults();
        p.setProperty("sandbox.fno.rows." + GL, "24000");
        p.setProperty("sandbox.fno.page-size", "1000");
        p.setProperty("sync.batch-size", "1000");
        p.setProperty("sandbox.fno.page-delay-ms", "40");
        p.setProperty("d365.max-concurrent-requests", "4");
        p.setProperty("d365.read-partitions", "4");
        p.setProperty("d365.partition-min-rows", "5000");
        return p;
    }

    private static long watermark(ConnectorRuntime rt) throws Exception {
        return ((Number) TestConnector.query(rt, "SELECT mark_value FROM watermark WHERE target_table = 'GLEntries' "
                + "AND destination = 'landing'").get(0).get("MARK_VALUE")).longValue();
    }

    private static List<String> decoded(List<String> requests) {
        return requests.stream().map(r -> URLDecoder.decode(r, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void aLargeGrowingKeyReadIsReadAsKeyRangesAtOnceAndLandsExactlyTheSource() throws Exception {
        try (ConnectorRuntime rt = TestConnector.start(large())) {
            FnoEmulator fno = rt.sandbox().fno();
            rt.syncNow("GLAccounts", "test"); // tokens and $metadata warm
            fno.resetCounters();
            rt.syncNow("GLEntries", "test");

            Map<String, Object> run = TestConnector.runs(rt, "GLEntries").get(0);
            assertThat(run).containsEntry("STATUS", "SUCCEEDED");
            assertThat(((Number) run.get("ROWS_READ")).longValue()).as("rows read: none twice, none missed").isEqualTo(24_000);
            ExpectedRows.assertLandingEqualsSource(rt, "GLEntries");

            List<String> reads = decoded(fno.recentRequests()).stream().filter(r -> r.contains("/" + GL + "?")).toList();
            // after the first page: 23,000 rows remain, cut into 4 ranges of at least 5,000 by 3 probes of one key each
            List<String> probes = reads.stream().filter(r -> r.contains("$top=1")).toList();
            assertThat(probes).hasSize(3).allSatisfy(r -> assertThat(r).contains("$orderby=SourceKey").contains("$select=SourceKey")
                    .contains("$skip="));
            List<String> ranges = reads.stream().filter(r -> !r.contains("$top=1") && !r.contains("$skiptoken")).toList();
            assertThat(ranges).as("first requests: the read, then one per key range").hasSize(5);
            assertThat(ranges.get(0)).doesNotContain("SourceKey gt ");
            assertThat(ranges.subList(1, 5)).allSatisfy(r -> assertThat(r).contains("SourceKey gt ").contains("$orderby=SourceKey"));
            assertThat(ranges.subList(1, 5)).filteredOn(r -> r.contains("SourceKey le ")).as("bounded ranges, then the open one")
                    .hasSize(3);
            assertThat(fno.maxInFlight()).as("pages F&O served at once").isBetween(2, 4);

            // the watermark stands at the highest key F&O holds (read independently from the sandbox's data)
            long highest = rt.sandbox().liveRows(GL).mapToObj(i -> ((Number) rt.sandbox().value(GL, i, "SourceKey")).longValue())
                    .max(Long::compare).orElseThrow();
            assertThat(watermark(rt)).isEqualTo(highest);

            // new entries: the next read starts at the watermark (minus its overlap) and is small: one chain, no probes
            rt.sandbox().insert(GL, Map.of());
            rt.sandbox().insert(GL, Map.of());
            int before = fno.recentRequests().size();
            rt.syncNow("GLEntries", "test");
            List<String> all = fno.recentRequests();
            List<String> again = decoded(all.subList(before, all.size())).stream().filter(r -> r.contains("/" + GL + "?")).toList();
            // (1,002 rows with the 1,000-key overlap: two pages of one chain)
            assertThat(again).hasSize(2).allSatisfy(r -> assertThat(r).doesNotContain("$top=1").doesNotContain("SourceKey le"));
            ExpectedRows.assertLandingEqualsSource(rt, "GLEntries");
            assertThat(watermark(rt)).isEqualTo(highest + 2);
        }
    }

    @Test
    void pagesRefusedWith429InSomeChainsAreAskedAgainAndNothingIsLostOrReadTwice() throws Exception {
        Properties p = large();
        p.setProperty("sandbox.fno.throttle-share", "0.3");
        p.setProperty("sandbox.fno.retry-after-seconds", "0");
        p.setProperty("retry.max-attempts", "30");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("GLEntries", "test");
            assertThat(rt.sandbox().fno().throttledRequests()).as("pages refused").isGreaterThan(3);
            Map<String, Object> run = TestConnector.runs(rt, "GLEntries").get(0);
            assertThat(run).containsEntry("STATUS", "SUCCEEDED");
            assertThat(((Number) run.get("ROWS_READ")).longValue()).isEqualTo(24_000);
            ExpectedRows.assertLandingEqualsSource(rt, "GLEntries");
            assertThat(decoded(rt.sandbox().fno().recentRequests())).anySatisfy(r -> assertThat(r).contains("SourceKey le "));
        }
    }

    @Test
    void theWatermarkMovesOnlyToTheHighestKeyBelowWhichEveryPartitionIsConfirmed() throws Exception {
        EntityMapping gl;
        try (ConnectorRuntime rt = TestConnector.start(TestConnector.defaults())) {
            gl = rt.mappings().get("GLEntries");
        }
        EntitySync sync = new EntitySync("run-1", gl, 10);
        sync.keyFrom(100L); // an incremental read: every key above 100
        sync.startAt("page-1");
        ReadPartition first = sync.openPartitions().get(0);
        sync.pageRead(first, rows(gl, 101, 110), "page-2", 35L);
        // the rest is read as two ranges: (110, 120] and (120, …)
        sync.split(first, List.of(new ReadPartition.Spec(1, "(110, 120]", null, null, 110L),
                new ReadPartition.Spec(2, "> 120", null, null, 120L)), List.of("range-1", "range-2"));
        ReadPartition low = sync.openPartitions().get(0);
        ReadPartition high = sync.openPartitions().get(1);
        sync.pageRead(high, rows(gl, 121, 130), "range-2b", null); // the higher range answers first
        sync.pageRead(low, rows(gl, 111, 120), null, null);
        List<Batch> batches = sync.takeBatches();
        assertThat(batches).hasSize(3);
        Batch b101 = batches.get(0), b121 = batches.get(1), b111 = batches.get(2);

        // the landing confirms the highest range first: keys 101..120 are not all confirmed, the mark stays below them
        assertThat(sync.handled("landing", b121)).isEqualTo(100L);
        assertThat(sync.handled("landing", b111)).as("101..110 still in flight").isEqualTo(100L);
        assertThat(sync.handled("landing", b101)).as("everything up to 130 confirmed; 131.. still to read").isEqualTo(130L);
        // another destination keeps its own account: it confirmed the first batch only
        assertThat(sync.handled("powerbi", b101)).as("110: the partition (…, 110] is whole").isEqualTo(110L);

        sync.pageRead(high, rows(gl, 131, 134), null, null);
        Batch last = sync.takeBatches().get(0);
        assertThat(sync.handled("landing", last)).as("every partition read and confirmed").isEqualTo(134L);
        assertThat(sync.readComplete()).isTrue();
    }

    /** GL rows (in the mapping's column order) whose growing key runs from..to. */
    private static List<Object[]> rows(EntityMapping m, long from, long to) {
        List<Object[]> out = new ArrayList<>();
        int key = m.columnOf(m.change().column());
        for (long k = from; k <= to; k++) {
            Object[] row = new Object[m.columns().size()];
            row[key] = k;
            for (int c : m.keyColumns()) {
                if (row[c] == null) {
                    row[c] = String.valueOf(k);
                }
            }
            out.add(row);
        }
        return out;
    }
}
