package com.mlconnector.fno;

import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.List;

/**
 * The tenant's {@code $metadata} for the mapped entity sets, read once per process and kept until F&O refuses a read
 * (then read again, since the tenant may have changed under the connector). The document is saved to a temporary
 * file and read from there in streaming passes, so its tens of MB never sit in the heap.
 */
public final class TenantMetadata {
    private static final Logger LOG = LoggerFactory.getLogger(TenantMetadata.class);

    private final FnoClient fno;
    private final Collection<String> entitySets;
    private volatile EdmCatalog catalog;

    /** @param entitySets the entity sets to keep: every mapped one, alternatives included */
    public TenantMetadata(FnoClient fno, Collection<String> entitySets) {
        this.fno = fno;
        this.entitySets = List.copyOf(entitySets);
    }

    /** The metadata of the mapped entity sets, read from F&O the first time (and after {@link #forget()}). */
    public EdmCatalog catalog() throws IOException, HttpOperationFailedException {
        EdmCatalog c = catalog;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (catalog == null) {
                catalog = load();
            }
            return catalog;
        }
    }

    /** Drops what was read: the next {@link #catalog()} reads {@code $metadata} again. */
    public void forget() {
        catalog = null;
    }

    private EdmCatalog load() throws IOException, HttpOperationFailedException {
        Path file = Files.createTempFile("fno-metadata-", ".xml");
        try {
            long started = System.nanoTime();
            long bytes;
            try (InputStream in = fno.metadata()) {
                bytes = Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            EdmCatalog read = EdmCatalog.read(file, entitySets);
            LOG.info("F&O $metadata read: {} bytes, {} entity sets published, {} of the {} mapped found, in {} ms",
                    String.format("%,d", bytes), read.entitySets().size(),
                    entitySets.stream().filter(s -> read.entity(s) != null).count(), entitySets.size(),
                    (System.nanoTime() - started) / 1_000_000);
            return read;
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
