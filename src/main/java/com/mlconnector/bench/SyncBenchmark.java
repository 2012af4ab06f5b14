package com.mlconnector.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.fno.ODataQueries;
import com.mlconnector.http.ConnectorTls;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.sandbox.SandboxTls;
import com.mlconnector.sync.Batch;
import com.mlconnector.sync.BatchSink;
import com.mlconnector.sync.DeliveryRecorder;
import com.mlconnector.sync.NullSink;
import org.apache.camel.Exchange;

import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Syncs N GL entries from the sandbox into a null destination and into the landing database, and measures in the
 * same JVM a baseline: a bare JDK HTTP client plus Jackson streaming that only counts the rows of the same pages.
 * Prints rows/s for each, the connector's share of the baseline, and the peak heap seen during each pass.
 * Each pass runs twice and the second (warm) run is reported.
 */
public final class SyncBenchmark {
    private static final String ENTITY = "GeneralJournalAccountEntryBiEntities";

    private final Path workDir;
    private final long rows;
    private final int pageSize;
    private final boolean landing;
    private final long snapshotRows;
    private final PrintWriter out;

    public SyncBenchmark(Path workDir, long rows, int pageSize, boolean landing, long snapshotRows, PrintWriter out) {
        this.workDir = workDir;
        this.rows = rows;
        this.pageSize = pageSize;
        this.landing = landing;
        this.snapshotRows = snapshotRows;
        this.out = out;
    }

    /** Where batches go: nowhere while the read side is measured, then into the landing database. */
    private static final class SwitchableSink implements BatchSink {
        volatile BatchSink target = new NullSink();

        @Override
        public void write(Batch batch) throws Exception {
            target.write(batch);
        }
    }

    /**
     * The delivery record (the route bean "delivery"): a null destination confirms nothing worth remembering, so
     * every null pass is a full first load; the landing pass records keys, hashes and audit for real.
     */
    public static final class SwitchableRecorder implements com.mlconnector.sync.DeliveryQueues.Handled {
        volatile DeliveryRecorder real;

        @Override
        public void handled(com.mlconnector.sync.EntitySync sync, String destination, Batch original) throws Exception {
            if (real != null) {
                real.handled(sync, destination, original);
            }
        }

        public void confirmed(Exchange exchange) throws Exception {
            if (real != null) {
                real.confirmed(exchange);
            }
        }

        public void dead(Exchange exchange) throws Exception {
            if (real != null) {
                real.dead(exchange);
            }
        }
    }

    public void run() throws Exception {
        Path db = Files.createTempDirectory("ml-connector-bench");
        Properties p = new Properties();
        p.setProperty("d365.url", "");
        p.setProperty("sandbox.fno.rows." + ENTITY, String.valueOf(rows));
        if (snapshotRows > 0) {
            p.setProperty("sandbox.fno.rows.VendorsV2", String.valueOf(snapshotRows));
        }
        p.setProperty("sandbox.fno.page-size", String.valueOf(pageSize));
        p.setProperty("sandbox.fno.throttle-share", "0");
        // one chain of pages, like the baseline: the gain of reading in partitions is the latency pass's to show
        p.setProperty("d365.read-partitions", "1");
        // the read and the landing path alone: the sandbox would switch the emulated Power BI, Databricks and Tableau on,
        // and the "null destination" would then measure them (Databricks has its own pass below)
        p.setProperty("powerbi.enabled", "false");
        p.setProperty("databricks.enabled", "false");
        p.setProperty("tableau.enabled", "false");
        p.setProperty("events.enabled", "false");
        p.setProperty("sandbox.landing.jdbc-url", "jdbc:h2:file:" + db.resolve("landing").toAbsolutePath());
        SwitchableSink sink = new SwitchableSink();
        SwitchableRecorder recorder = new SwitchableRecorder();
        long maxHeap = Runtime.getRuntime().maxMemory();
        out.printf("Benchmark: %,d %s rows from the sandbox, page size %,d, max heap %,d MB%n",
                rows, ENTITY, pageSize, maxHeap >> 20);
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(workDir, p).withSink(sink)
                .withBean("delivery", recorder))) {
            EntityMapping gl = rt.mappings().get(ENTITY);
            String first = ODataQueries.firstPage(rt.fno().serviceRoot(), gl, rt.settings().crossCompany,
                    rt.settings().legalEntities, null, null);
            String scope = rt.settings().d365Url + "/.default";
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .sslContext(ConnectorTls.context(SandboxTls.trustManager())).build();

            Pass base = null;
            Pass nul = null;
            for (int round = 0; round < 2; round++) {
                base = measure(() -> baseline(http, first, rt.tokens().token(scope)));
                sink.target = new NullSink();
                nul = measure(() -> {
                    rt.syncNow(ENTITY, "benchmark");
                    return ((NullSink) sink.target).rows();
                });
            }
            report("baseline: JDK HttpClient + Jackson, counting rows", base, null);
            report("connector -> null destination", nul, base);
            recorder.real = rt.camelContext().getRegistry().lookupByNameAndType("deliveryRecorder", DeliveryRecorder.class);
            if (landing) {
                sink.target = rt.camelContext().getRegistry().lookupByNameAndType("landingWriter", BatchSink.class);
                Pass land = measure(() -> {
                    rt.syncNow(ENTITY, "benchmark");
                    try (var c = rt.landing().dataSource().getConnection();
                         var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM \"GLEntries\"")) {
                        rs.next();
                        return rs.getLong(1);
                    }
                });
                report("connector -> landing database (" + rt.landing().dialect() + ")", land, base);
            }
            if (snapshotRows > 0) {
                sink.target = rt.camelContext().getRegistry().lookupByNameAndType("landingWriter", BatchSink.class);
                out.printf("Snapshot entity VendorsV2, %,d rows (change detection by hash per key):%n", snapshotRows);
                for (String what : new String[]{"first full load", "incremental run, nothing changed"}) {
                    Pass pass = measure(() -> {
                        rt.syncNow("Vendors", "benchmark");
                        return written(rt);
                    });
                    out.printf("  %-34s %,9d rows sent  %6.1f s  peak heap %,d MB%n", what, pass.rows(), pass.seconds(),
                            pass.peakHeap() >> 20);
                    out.flush();
                }
            }
        }
    }

    /** Rows the last Vendors run sent to the landing database, from the run ledger. */
    private static long written(ConnectorRuntime rt) throws Exception {
        try (var c = rt.landing().dataSource().getConnection();
             var rs = c.createStatement().executeQuery("SELECT rows_written FROM connector_run WHERE target_table = 'Vendors' "
                     + "ORDER BY started_at DESC")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private interface Work {
        long run() throws Exception;
    }

    private record Pass(long rows, double seconds, long peakHeap) {
        double rate() {
            return rows / seconds;
        }
    }

    private Pass measure(Work work) throws Exception {
        HeapPeak peak = HeapPeak.start();
        long t0 = System.nanoTime();
        long n = work.run();
        double s = (System.nanoTime() - t0) / 1e9;
        return new Pass(n, s, peak.stop());
    }

    private void report(String what, Pass pass, Pass baseline) {
        String ratio = baseline == null ? "" : String.format("  = %.0f%% of baseline", 100 * pass.rate() / baseline.rate());
        out.printf("%-52s %,12.0f rows/s  (%,d rows in %.1f s, peak heap %,d MB)%s%n",
                what, pass.rate(), pass.rows(), pass.seconds(), pass.peakHeap() >> 20, ratio);
        out.flush();
    }

    /** Follows the nextLink chain with a bare client, counting the objects in each page's value array. */
    private static long baseline(HttpClient http, String first, String token) throws Exception {
        JsonFactory json = new JsonFactory();
        long count = 0;
        String url = first;
        while (url != null) {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("baseline got HTTP " + r.statusCode());
            }
            String next = null;
            try (JsonParser p = json.createParser(r.body())) {
                p.nextToken();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken t = p.nextToken();
                    if (field.equals("value") && t == JsonToken.START_ARRAY) {
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            p.skipChildren();
                            count++;
                        }
                    } else if (field.equals("@odata.nextLink")) {
                        next = p.getText();
                    } else {
                        p.skipChildren();
                    }
                }
            }
            url = next;
        }
        return count;
    }
}
