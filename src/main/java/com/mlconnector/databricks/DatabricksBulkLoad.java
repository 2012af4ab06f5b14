package com.mlconnector.databricks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;
import com.mlconnector.sync.Batch;
import com.mlconnector.sync.EntitySync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;

/**
 * The bulk path for large loads. A run that reads at least {@code databricks.bulk-threshold-rows} rows writes each batch
 * as one NDJSON file into the staging volume ({@code <volume>/ml-connector/<table>/<run>/<batch>.json}, Files API, the
 * same path on a retry) and is confirmed then, with no statement per batch. At the end of the run the run's folder is
 * loaded in four statements whatever its size: CREATE the staging table, one COPY INTO, one MERGE of the newest
 * staged row per key, DROP the staging table; then the files are deleted.
 *
 * <p>Crash safety: staged files are confirmed rows, so a folder left behind (the process died, the warehouse failed
 * the MERGE) is merged before anything newer is written to that table (the next run's first write or its end),
 * folders in the order their runs started. Every step repeats safely: CREATE IF NOT EXISTS, COPY INTO skips files
 * it loaded, the MERGE takes one row per key, DROP IF EXISTS, deleting what is gone is no error.
 */
final class DatabricksBulkLoad {
    private static final Logger LOG = LoggerFactory.getLogger(DatabricksBulkLoad.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final DateTimeFormatter STARTED = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    /** Rows of one batch are numbered below this, batches above it: the staged order of every row of a run. */
    private static final long ROWS_PER_SEQ = 10_000_000L;

    private final DatabricksSettings settings;
    private final DatabricksClient client;
    private final DatabricksDestination statements;

    DatabricksBulkLoad(DatabricksSettings settings, DatabricksClient client, DatabricksDestination statements) {
        this.settings = settings;
        this.client = client;
        this.statements = statements;
    }

    /** Whether this batch goes through the bulk path: upserts of a run that reads at least the threshold. */
    boolean applies(EntitySync sync, Batch b) {
        return settings.bulk() && sync != null && b.kind() == Batch.Kind.UPSERT && sync.targeted() == null
                && sync.getTotal() != null && sync.getTotal() >= settings.bulkThresholdRows;
    }

    /** The run's staging folder name: sorts in the order runs started. */
    static String folderOf(EntitySync sync) {
        return STARTED.format(sync.getStarted()) + "-" + sync.getRunId();
    }

    private String tableDir(EntityMapping m) {
        return settings.volume + "/ml-connector/" + m.table();
    }

    /** Writes the batch as one file of the run's folder; returns its path. */
    String stage(EntitySync sync, Batch b) throws Exception {
        String path = tableDir(b.mapping()) + "/" + folderOf(sync) + "/" + String.format("%06d", b.sequence()) + ".json";
        byte[] content = ndjson(b);
        statements.attempt(() -> {
            client.upload(path, content);
            return null;
        });
        return path;
    }

    /** One JSON object per row, every value as text (as Databricks casts it back) or null, and its staged order. */
    static byte[] ndjson(Batch b) throws IOException {
        List<TargetColumn> cols = b.mapping().columns();
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.size() * 256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.setRootValueSeparator(null);
            long seq = b.sequence() * ROWS_PER_SEQ;
            for (Object[] row : b.rows()) {
                g.writeStartObject();
                for (int c = 0; c < cols.size(); c++) {
                    String v = DatabricksSql.text(row[c]);
                    if (v == null) {
                        g.writeNullField(cols.get(c).name());
                    } else {
                        g.writeStringField(cols.get(c).name(), v);
                    }
                }
                g.writeStringField(DatabricksSql.SEQ, Long.toString(seq++));
                g.writeEndObject();
                g.writeRaw('\n');
            }
        }
        return out.toByteArray();
    }

    /**
     * Merges every staged folder of the table, oldest run first, leaving out {@code except} (the current run's, still
     * being written); returns the rows' files merged.
     */
    int mergeStaged(EntityMapping m, String except) throws Exception {
        List<DatabricksClient.Entry> folders = statements.attempt(() -> client.list(tableDir(m)));
        int files = 0;
        for (DatabricksClient.Entry f : folders.stream().filter(DatabricksClient.Entry::directory)
                .sorted(Comparator.comparing(DatabricksClient.Entry::name)).toList()) {
            if (!f.name().equals(except)) {
                files += mergeFolder(m, f.name());
            }
        }
        return files;
    }

    private int mergeFolder(EntityMapping m, String folder) throws Exception {
        String dir = tableDir(m) + "/" + folder;
        List<DatabricksClient.Entry> files = statements.attempt(() -> client.list(dir)).stream().filter(e -> !e.directory()).toList();
        if (!files.isEmpty()) {
            String staging = "_mlc_stage_" + m.table() + "_" + folder.replaceAll("[^A-Za-z0-9]", "_");
            statements.ensureTable(m);
            statements.run(DatabricksSql.createStaging(m, staging), List.of());
            statements.run(DatabricksSql.copyInto(staging, dir), List.of());
            statements.run(DatabricksSql.mergeStaged(m, staging, settings.softDelete), List.of());
            statements.run(DatabricksSql.dropStaging(staging), List.of());
            LOG.info("Databricks table {}: {} staged file(s) of {} merged in 4 statements", m.table(), files.size(), folder);
        }
        for (DatabricksClient.Entry f : files) {
            statements.attempt(() -> {
                client.delete(f.path(), false);
                return null;
            });
        }
        statements.attempt(() -> {
            client.delete(dir, true);
            return null;
        });
        return files.size();
    }
}
