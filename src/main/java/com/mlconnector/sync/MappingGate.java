package com.mlconnector.sync;

import com.mlconnector.fno.EdmCatalog;
import com.mlconnector.fno.MappingMismatchException;
import com.mlconnector.fno.MappingValidator;
import com.mlconnector.fno.TenantMetadata;
import com.mlconnector.mapping.EntityMapping;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Before an entity's first read in a process, its mapping is held against the tenant's {@code $metadata}
 * ({@link MappingValidator}): a mapping that names what F&O does not have fails its own run with the problems named,
 * and the other entities run on. When F&O later refuses a read because a property went away (an update of the
 * tenant), the run fails saying so, and the metadata is read again before the next run.
 */
public final class MappingGate {
    /** How F&O's OData layer refuses a $select or $filter of a property the entity does not have. */
    private static final Pattern NO_SUCH_PROPERTY = Pattern.compile("Could not find a property named '([^']+)'");

    private final TenantMetadata metadata;
    private final Set<String> verified = ConcurrentHashMap.newKeySet();

    public MappingGate(TenantMetadata metadata) {
        this.metadata = metadata;
    }

    /** Route step: the run's mapping matches the tenant, or the run fails with every problem found. */
    public void verify(Exchange exchange) throws IOException, HttpOperationFailedException {
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        EntityMapping m = sync.getMapping();
        if (verified.contains(m.entitySet())) {
            return;
        }
        List<String> problems = problems(m);
        if (!problems.isEmpty()) {
            throw new MappingMismatchException("the mapping does not match this F&O's $metadata: "
                    + String.join("; ", problems), null);
        }
        verified.add(m.entitySet());
    }

    /** The mapping's problems against the tenant (read from F&O if not read yet). */
    public List<String> problems(EntityMapping m) throws IOException, HttpOperationFailedException {
        EdmCatalog catalog = metadata.catalog();
        return MappingValidator.problems(m, catalog);
    }

    public TenantMetadata metadata() {
        return metadata;
    }

    /**
     * F&O refused a read with a 400: when it says a property is unknown, the mapping has drifted from the tenant;
     * the metadata is read again before the next run. Returns the exception to throw instead, or null when the
     * refusal is about something else.
     */
    public RuntimeException refused(EntityMapping m, HttpOperationFailedException e) {
        if (e.getStatusCode() != 400) {
            return null;
        }
        metadata.forget();
        verified.clear();
        Matcher matcher = NO_SUCH_PROPERTY.matcher(String.valueOf(e.getResponseBody()));
        if (!matcher.find()) {
            return null;
        }
        return new MappingMismatchException("F&O no longer has " + matcher.group(1) + " on " + m.entitySet() + " ("
                + m.origin() + "): it refused the read with HTTP 400 (" + matcher.group() + "); fix the mapping, then `./run check`", e);
    }
}
