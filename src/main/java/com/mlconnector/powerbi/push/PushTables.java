package com.mlconnector.powerbi.push;

import com.mlconnector.landing.LandingDatabase;
import com.mlconnector.landing.LandingDialect;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;
import com.mlconnector.powerbi.PowerBiClient;
import com.mlconnector.powerbi.PowerBiSettings;
import com.mlconnector.state.DeliveryState;
import com.mlconnector.sync.Batch;
import com.mlconnector.sync.DestinationRun;
import com.mlconnector.sync.EntitySync;
import com.mlconnector.sync.Mappings;
import com.mlconnector.sync.RunLedger;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Power BI's push mode: a push dataset in the workspace, one table per mapped entity, rows posted to it.
 * <ul>
 * <li>append tables get the rows whose keys Power BI does not hold yet; when rows it holds changed or vanished (or a
 * batch is in doubt after a crash) the table is replaced at the end of the run, unless powerbi.on-change=append;</li>
 * <li>replace tables are replaced (delete all rows, post the full set from the landing database) whenever they
 * changed;</li>
 * <li>every POST waits for the {@link PushPacer}; Power BI's 429s are honoured by the shared retry policy.</li>
 * </ul>
 * Push models can no longer be created after 2027-10-31 and hold at most 5,000,000 rows a table: import mode
 * (powerbi/model) is where new installations go.
 */
public final class PushTables {
    private static final String DESTINATION = "powerbi";
    private static final Logger LOG = LoggerFactory.getLogger(PushTables.class);

    private final PowerBiSettings settings;
    private final PowerBiClient client;
    private final PushPacer pacer;
    private final DeliveryState state;
    private final LandingDatabase landing;
    private final Mappings mappings;
    private final com.mlconnector.state.DeadLetters deadLetters;
    private final Map<String, Long> tableRows = new ConcurrentHashMap<>();
    private volatile String datasetId;

    public PushTables(PowerBiSettings settings, PowerBiClient client, PushPacer pacer, DeliveryState state, LandingDatabase landing,
                      Mappings mappings, com.mlconnector.state.DeadLetters deadLetters) {
        this.settings = settings;
        this.client = client;
        this.pacer = pacer;
        this.state = state;
        this.landing = landing;
        this.mappings = mappings;
        this.deadLetters = deadLetters;
    }

    /** Finds the dataset or creates it, and puts every table's schema from the mapping (once per process). */
    public synchronized String dataset() throws Exception {
        if (datasetId != null) {
            return datasetId;
        }
        List<EntityMapping> tables = settings.tables.stream().map(mappings::get).toList();
        String id = client.findDataset(settings.datasetName);
        if (id == null) {
            String schemas = tables.stream().map(PowerBiRows::tableSchema).collect(Collectors.joining(",", "[", "]"));
            id = client.createDataset(settings.datasetName, settings.retention, schemas);
            LOG.info("Power BI: created push dataset '{}' ({}) with tables {}", settings.datasetName, id, settings.tables);
        } else {
            for (EntityMapping m : tables) {
                client.putTable(id, m.table(), PowerBiRows.tableSchema(m)); // follows mapping changes
            }
            LOG.info("Power BI: using push dataset '{}' ({}); table schemas updated from the mappings", settings.datasetName, id);
        }
        datasetId = id;
        return id;
    }

    /**
     * Delivers the changed rows in the body. The body becomes the rows Power BI took (what gets remembered);
     * everything else marks the table for a replace at the end of the run.
     */
    public void write(Exchange exchange) throws Exception {
        Batch b = exchange.getMessage().getBody(Batch.class);
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        DestinationRun d = sync.destination(DESTINATION);
        EntityMapping m = b.mapping();
        List<Integer> fresh = new ArrayList<>();
        boolean changedOrGone = b.kind() == Batch.Kind.DELETE;
        if (!changedOrGone) {
            for (int i = 0; i < b.size(); i++) {
                if (d.known().containsKey(b.keys().get(i)) && settings.onChange == PowerBiSettings.Mode.REPLACE) {
                    changedOrGone = true;
                } else {
                    fresh.add(i);
                }
            }
        }
        if (settings.mode(m.table()) == PowerBiSettings.Mode.REPLACE || changedOrGone) {
            d.markForReplace();
        }
        if (d.needsReplace() || fresh.isEmpty()) {
            exchange.getMessage().setBody(b.only(new int[0])); // the replace at the end of the run will carry them
            return;
        }
        Batch send = fresh.size() == b.size() ? b : b.only(fresh.stream().mapToInt(Integer::intValue).toArray());
        String ds = dataset();
        checkCap(m, held(m.table()), send.size()); // before anything is marked or posted
        state.markPending(send.id(), m.table(), DESTINATION);
        int truncated;
        try {
            truncated = post(ds, m, send.rows());
        } catch (org.apache.camel.http.base.HttpOperationFailedException e) {
            if (e.getStatusCode() >= 400 && e.getStatusCode() < 500 && send.size() <= settings.rowsPerPost) {
                state.clearPending(send.id()); // refused outright: Power BI did not take these rows
            }
            throw e;
        }
        d.delivered(send.size());
        LOG.info("run={} entity={} destination=powerbi batch={} rows={} posted to {}{}", sync.getRunId(), m.entitySet(),
                b.sequence(), send.size(), m.table(), truncated == 0 ? "" : " (" + truncated + " strings cut to 4,000 characters)");
        exchange.getMessage().setHeader(com.mlconnector.sync.DeliveryRecorder.TRUNCATED, truncated);
        exchange.getMessage().setBody(send);
    }

    /** At the end of a run: the replace the run called for (or a crash left behind). */
    public void finish(EntitySync sync) throws Exception {
        EntityMapping m = sync.getMapping();
        DestinationRun d = sync.destination(DESTINATION);
        if (d.needsReplace() || state.inDoubt(m.table(), DESTINATION)) {
            replace(sync.getRunId(), m, d);
        }
    }

    /**
     * A dead-lettered batch again (routes/powerbi.yaml, replay-powerbi). A push table cannot take a batch twice
     * safely, so the table is rebuilt whole from the landing database, which answers every dead letter of the table
     * for Power BI: the others, and this one replayed again, are not rebuilt twice (a rebuild counts against Power
     * BI's rows per hour).
     */
    public void replay(Exchange exchange) throws Exception {
        Batch dead = exchange.getMessage().getBody(Batch.class);
        String of = exchange.getMessage().getHeader(com.mlconnector.sync.DeliveryRecorder.REPLAY_OF, String.class);
        String table = dead.mapping().table();
        if (of != null && !deadLetters.isWaiting(of)) {
            exchange.getMessage().setHeader(com.mlconnector.sync.DeliveryRecorder.REPLAY_ANSWER, table + " was replaced in Power BI already");
            return;
        }
        repairTable(table, "replay-" + of);
        deadLetters.markAllReplayed(table, DESTINATION);
        exchange.getMessage().setHeader(com.mlconnector.sync.DeliveryRecorder.REPLAY_ANSWER, table + " replaced in Power BI from the landing database");
    }

    public void repairTable(String table, String runId) throws Exception {
        replace(runId, mappings.get(table), null);
    }

    private void replace(String runId, EntityMapping m, DestinationRun d) throws Exception {
        Instant started = Instant.now();
        String ds = dataset();
        checkCap(m, 0, landing.count(m.table())); // a replace that cannot fit must not empty the table first
        // one mark per run and table, within pending_delivery's 64 characters whatever the run id (a replay's names its
        // dead letter) and the table's name: run id and table together as a name-based UUID
        String marker = "replace-" + java.util.UUID.nameUUIDFromBytes((runId + "\u001f" + m.table())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        state.markPending(marker, m.table(), DESTINATION);
        client.deleteRows(ds, m.table());
        tableRows.put(m.table(), 0L);
        int rows = 0;
        int truncated = 0;
        String cols = m.columns().stream().map(c -> LandingDialect.quote(c.name())).collect(Collectors.joining(", "));
        String keys = java.util.Arrays.stream(m.keyColumns()).mapToObj(k -> LandingDialect.quote(m.columns().get(k).name()))
                .collect(Collectors.joining(", "));
        try (Connection c = landing.dataSource().getConnection()) {
            c.setAutoCommit(false); // lets PostgreSQL stream with the fetch size instead of loading everything
            try (PreparedStatement ps = c.prepareStatement("SELECT " + cols + " FROM " + LandingDialect.quote(m.table())
                    + " ORDER BY " + keys)) {
                ps.setFetchSize(settings.rowsPerPost);
                try (ResultSet rs = ps.executeQuery()) {
                    List<Object[]> chunk = new ArrayList<>(settings.rowsPerPost);
                    while (rs.next()) {
                        chunk.add(row(rs, m.columns()));
                        if (chunk.size() == settings.rowsPerPost) {
                            truncated += post(ds, m, chunk);
                            rows += chunk.size();
                            chunk.clear();
                        }
                    }
                    if (!chunk.isEmpty()) {
                        truncated += post(ds, m, chunk);
                        rows += chunk.size();
                    }
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
        state.adopt(m.table(), RunLedger.DESTINATION, DESTINATION, runId, rows, truncated, started);
        // rows a replace posted are delivered rows too (the metric counted only batch posts before)
        com.mlconnector.ops.ConnectorMetrics.delivered(m.table(), DESTINATION, rows, Duration.between(started, Instant.now()));
        if (d != null) {
            d.delivered(rows);
        }
        LOG.info("run={} entity={} destination=powerbi table {} replaced: {} rows posted{} in {}", runId, m.entitySet(),
                m.table(), rows, truncated == 0 ? "" : " (" + truncated + " strings cut to 4,000 characters)",
                RunLedger.formatDuration(Duration.between(started, Instant.now())));
    }

    /** Rows the Power BI table holds, as far as the connector knows (what it confirmed there). */
    private long held(String table) {
        return tableRows.computeIfAbsent(table, t -> {
            try {
                return state.count(t, DESTINATION);
            } catch (java.sql.SQLException e) {
                return 0L;
            }
        });
    }

    /**
     * A push table without a retention policy holds at most 5,000,000 rows (powerbi.max-table-rows): rows that would
     * pass that are refused here, before anything is posted, with what to do instead. (basicFIFO tables keep the newest
     * 200,000 rows and drop older ones: nothing to refuse.)
     */
    private void checkCap(EntityMapping m, long held, long adding) {
        if (!"None".equals(settings.retention) || held + adding <= settings.maxTableRows) {
            return;
        }
        throw new PowerBiRowCapException(String.format("Power BI table %s would hold %,d rows (%,d now, %,d to add), more than the "
                + "%,d a push table without a retention policy can hold (powerbi.max-table-rows); nothing was posted. Choose one: "
                + "powerbi.retention-policy=basicFIFO (keeps the newest 200,000 rows), a narrower mapping for %s (fewer rows), "
                + "or an import model over the landing database, which has no such cap (powerbi.model=import; push models "
                + "cannot be created after %s)", m.table(), held + adding, held, adding, settings.maxTableRows, m.table(),
                PowerBiSettings.PUSH_RETIRED));
    }

    /** Rows past what a Power BI push table can hold: not retried (it needs a decision, not time). */
    public static final class PowerBiRowCapException extends RuntimeException {
        PowerBiRowCapException(String message) {
            super(message);
        }
    }

    /** Posts rows in requests of at most powerbi.rows-per-post, each waiting for the pacer. */
    private int post(String ds, EntityMapping m, List<Object[]> rows) throws Exception {
        int truncated = 0;
        for (int from = 0; from < rows.size(); from += settings.rowsPerPost) {
            List<Object[]> part = rows.subList(from, Math.min(rows.size(), from + settings.rowsPerPost));
            PowerBiRows.Body body = PowerBiRows.body(m, part);
            long held = held(m.table());
            PushPacer.Permit permit = pacer.acquire(m.table(), part.size(), held);
            try {
                client.postRows(ds, m.table(), body.json());
            } finally {
                permit.sent();
            }
            tableRows.merge(m.table(), (long) part.size(), Long::sum);
            truncated += body.truncated();
        }
        return truncated;
    }

    private static Object[] row(ResultSet rs, List<TargetColumn> cols) throws java.sql.SQLException {
        Object[] r = new Object[cols.size()];
        for (int i = 0; i < r.length; i++) {
            Class<?> type = switch (cols.get(i).type()) {
                case STRING, ENUM -> String.class;
                case INT -> Integer.class;
                case LONG -> Long.class;
                case DECIMAL -> BigDecimal.class;
                case BOOLEAN -> Boolean.class;
                case DATE -> LocalDate.class;
                case DATETIME -> OffsetDateTime.class;
            };
            r[i] = rs.getObject(i + 1, type);
        }
        return r;
    }
}
