package com.mlconnector.destination;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.sync.Batch;
import com.mlconnector.sync.EntitySync;
import com.mlconnector.sync.RunLedger;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The README's example of an added destination (with routes/folder.yaml, src/test/resources/destinations): each batch
 * of the tables it takes becomes a file of JSON lines, {@code <folder.path>/<table>/<run>-<batch>.jsonl}, and each
 * run of such a table ends with a file {@code finished-<run>}. Configured by one line,
 * {@code destinations=com.mlconnector.destination.FolderDestination}, and its own settings folder.path and
 * folder.tables (comma-separated; every mapped table when not set).
 */
public final class FolderDestination implements Destination {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path folder;
    private final Set<String> tables;

    public FolderDestination(DestinationContext context) {
        String path = context.property("folder.path", null);
        if (path == null) {
            throw new com.mlconnector.config.ConfigException("folder.path is not set: the folder the folder destination writes to");
        }
        this.folder = Path.of(path);
        String t = context.property("folder.tables", null);
        this.tables = t == null ? null : Arrays.stream(t.split(",")).map(String::trim).collect(Collectors.toSet());
    }

    @Override
    public String name() {
        return "folder";
    }

    @Override
    public boolean takes(EntityMapping mapping) {
        return tables == null || tables.contains(mapping.table());
    }

    @Override
    public boolean finishes() {
        return true;
    }

    /**
     * One batch (routes/folder.yaml, deliver-folder and replay-folder): its file is named by the run and the batch's
     * place in it, so a replay writes the same file again (idempotent). A delete batch lists the keys gone.
     */
    public void write(Exchange exchange) throws IOException {
        Batch b = exchange.getMessage().getBody(Batch.class);
        Path dir = Files.createDirectories(folder.resolve(b.mapping().table()));
        Path file = dir.resolve(b.runId() + "-" + b.sequence() + (b.kind() == Batch.Kind.DELETE ? "-deleted" : "") + ".jsonl");
        List<String> columns = b.mapping().columns().stream().map(c -> c.name()).toList();
        Path partial = dir.resolve(file.getFileName() + ".partial");
        try (Writer w = Files.newBufferedWriter(partial)) {
            for (int i = 0; i < b.size(); i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                if (b.kind() == Batch.Kind.DELETE) {
                    row.put("key", b.keys().get(i));
                } else {
                    Object[] values = b.rows().get(i);
                    for (int c = 0; c < columns.size(); c++) {
                        Object v = values[c];
                        row.put(columns.get(c), v == null || v instanceof Number || v instanceof Boolean ? v : v.toString());
                    }
                }
                w.write(JSON.writeValueAsString(row));
                w.write('\n');
            }
        }
        Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The end of a run of a table it takes (routes/folder.yaml, finish-folder). */
    public void finish(Exchange exchange) throws IOException {
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        Path dir = Files.createDirectories(folder.resolve(sync.getMapping().table()));
        Files.writeString(dir.resolve("finished-" + sync.getRunId()), sync.getRunId());
    }
}
