package com.mlconnector.sandbox;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The F&O OData v4 service under {@code /data}, keeping the contract the connector must live with: bearer tokens
 * for this host's audience only, {@code $metadata}, {@code $count}, {@code $select} and {@code $filter} checked
 * against the entity's properties (400 like F&O for unknown ones, {@code has} and {@code in}), server-driven paging
 * with an absolute {@code @odata.nextLink} at a page size the server chooses, cross-company semantics with
 * lower-case dataAreaId, and HTTP 429 + Retry-After on a configurable share of data requests.
 */
public final class FnoEmulator extends EmulatorServer {
    /** The company a service principal reads when it does not ask for cross-company. */
    public static final String DEFAULT_COMPANY = "usmf";
    private static final Set<String> SUPPORTED = Set.of("$select", "$filter", "$top", "$skip", "$count", "$skiptoken", "$format", "$orderby");
    private static final JsonFactory JSON = new JsonFactory();

    private final SandboxTokens tokens;
    private final FnoCatalog catalog;
    private final Map<String, FnoDataSet> data;
    private final int pageSize;
    private final double throttleShare;
    private final int retryAfterSeconds;
    private final Random random;
    private final AtomicInteger forcedThrottles = new AtomicInteger();
    private final AtomicLong dataRequests = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong metadataRequests = new AtomicLong();
    private final Deque<String> recent = new ConcurrentLinkedDeque<>();

    FnoEmulator(int port, SandboxTokens tokens, FnoCatalog catalog, Map<String, FnoDataSet> data, int pageSize,
                double throttleShare, int retryAfterSeconds, long seed) {
        super(port);
        this.tokens = tokens;
        this.catalog = catalog;
        this.data = data;
        this.pageSize = pageSize;
        this.throttleShare = throttleShare;
        this.retryAfterSeconds = retryAfterSeconds;
        this.random = new Random(seed);
        start();
    }

    private volatile long pageDelayMillis;
    private volatile long rowDelayMicros;

    /** Every data request takes at least this long to serve (a slow tenant; tests catch a run mid-way). */
    public void setPageDelayMillis(long ms) {
        pageDelayMillis = ms;
    }

    /** And this much longer per row it returns (F&O's SQL and serialisation time grows with the page). */
    public void setRowDelayMicros(long micros) {
        rowDelayMicros = micros;
    }

    /** Answers the next {@code n} data requests with 429. */
    public void throttleNext(int n) {
        forcedThrottles.set(n);
    }

    /** Query strings longer than this are refused, as IIS refuses them by default in front of F&O. */
    static final int MAX_QUERY_STRING = 2048;

    public long dataRequests() {
        return dataRequests.get();
    }

    /** $metadata documents served. */
    public long metadataRequests() {
        return metadataRequests.get();
    }

    public long throttledRequests() {
        return throttled.get();
    }

    /** The most recent request URIs (path and query), newest last. */
    public List<String> recentRequests() {
        return new ArrayList<>(recent);
    }

    /** Ends the request in hand's count in flight (once): called before its last byte is written, or at its end. */
    private final ThreadLocal<Runnable> finishing = new ThreadLocal<>();

    @Override
    protected void handle(HttpExchange ex) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        java.util.concurrent.atomic.AtomicBoolean counted = new java.util.concurrent.atomic.AtomicBoolean(true);
        finishing.set(() -> {
            if (counted.getAndSet(false)) {
                inFlight.decrementAndGet();
            }
        });
        try {
            serve(ex);
        } finally {
            finishing.get().run();
            finishing.remove();
        }
    }

    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** When each request arrived, and whether it was answered 429. */
    public record Arrival(java.time.Instant at, boolean throttled) {
    }

    private final java.util.concurrent.ConcurrentLinkedQueue<Arrival> arrivals = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** The most requests this emulator served at once since the last reset. */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** Every data request so far: when, and whether it was throttled. */
    public java.util.List<Arrival> arrivals() {
        return java.util.List.copyOf(arrivals);
    }

    public void resetCounters() {
        maxInFlight.set(0);
        arrivals.clear();
    }

    private void serve(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (!path.startsWith("/data/") && !path.equals("/data")) {
            sendJson(ex, 404, odataError("No HTTP resource was found that matches the request URI."));
            return;
        }
        String rawQuery = ex.getRequestURI().getRawQuery();
        if (rawQuery != null && rawQuery.length() > MAX_QUERY_STRING) {
            // IIS's default maxQueryString: a longer query never reaches F&O
            send(ex, 404, "text/html", "<h2>HTTP Error 404.15 - Not Found</h2><p>The request filtering module is configured to "
                    + "deny a request where the query string is too long.</p>");
            return;
        }
        SandboxTokens.Refusal refusal = tokens.check(ex.getRequestHeaders().getFirst("Authorization"), baseUrl());
        if (refusal != null) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"" + refusal + "\"");
            sendJson(ex, 401, "");
            return;
        }
        if (!"GET".equals(ex.getRequestMethod())) {
            // the connector never writes to F&O; the sandbox refuses writes outright
            sendJson(ex, 405, odataError("The sandbox F&O is read-only."));
            return;
        }
        String rest = path.length() > 6 ? path.substring(6) : "";
        if (rest.equals("$metadata")) {
            metadataRequests.incrementAndGet();
            send(ex, 200, "application/xml", catalog.metadata());
            return;
        }
        recent.addLast(ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
        while (recent.size() > 2000) {
            recent.pollFirst();
        }
        boolean throttle = shouldThrottle();
        arrivals.add(new Arrival(java.time.Instant.now(), throttle));
        if (throttle) {
            throttled.incrementAndGet();
            ex.getResponseHeaders().set("Retry-After", String.valueOf(retryAfterSeconds));
            sendJson(ex, 429, odataError("Too many requests. Retry after " + retryAfterSeconds + " seconds."));
            return;
        }
        dataRequests.incrementAndGet();
        if (pageDelayMillis > 0) {
            try {
                Thread.sleep(pageDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        boolean countOnly = rest.endsWith("/$count");
        String entityName = countOnly ? rest.substring(0, rest.length() - 7) : rest;
        if (entityName.contains("(")) {
            sendJson(ex, 501, odataError("Key lookups are not emulated by the sandbox; use $filter."));
            return;
        }
        FnoDataSet set = data.get(entityName);
        if (set == null) {
            sendJson(ex, 404, odataError("Resource not found for the segment '" + entityName + "'."));
            return;
        }
        Query q;
        try {
            q = Query.parse(params(ex.getRequestURI().getRawQuery()), set);
        } catch (ODataFilter.FilterException e) {
            sendJson(ex, 400, odataError(e.getMessage()));
            return;
        } catch (UnsupportedOperationException e) {
            sendJson(ex, 501, odataError(e.getMessage()));
            return;
        }
        if (countOnly) {
            send(ex, 200, "text/plain", String.valueOf(count(set, q)));
            return;
        }
        writePage(ex, set, q);
    }

    private synchronized boolean shouldThrottle() {
        if (forcedThrottles.get() > 0) {
            forcedThrottles.decrementAndGet();
            return true;
        }
        return throttleShare > 0 && random.nextDouble() < throttleShare;
    }

    private long count(FnoDataSet set, Query q) {
        long n = 0;
        for (long i = 0, size = set.size(); i < size; i++) {
            if (visible(set, q, i)) {
                n++;
            }
        }
        return n; // like OData's $count, the whole result: $top and $skip do not change it
    }

    private boolean visible(FnoDataSet set, Query q, long i) {
        if (set.isDeleted(i)) {
            return false;
        }
        FnoCatalog.Entity e = set.entity();
        if (e.companyScoped() && !q.crossCompany
                && !DEFAULT_COMPANY.equals(set.value(i, e.property("dataAreaId")))) {
            return false;
        }
        if (q.filter == null) {
            return true;
        }
        Function<String, Object> row = name -> filterValue(set.value(i, e.property(name)));
        return ODataFilter.matches(q.filter, row);
    }

    private static Object filterValue(Object v) {
        if (v instanceof Integer n) {
            return (long) n;
        }
        return v;
    }

    private void writePage(HttpExchange ex, FnoDataSet set, Query q) throws IOException {
        FnoCatalog.Entity e = set.entity();
        List<FnoCatalog.Property> props = new ArrayList<>();
        if (q.select == null) {
            props.addAll(e.properties());
        } else {
            for (String s : q.select) {
                props.add(e.property(s));
            }
        }
        ex.getResponseHeaders().set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true");
        ex.getResponseHeaders().set("OData-Version", "4.0");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream raw = new BufferedOutputStream(ex.getResponseBody(), 1 << 16);
             JsonGenerator g = JSON.createGenerator(raw, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("@odata.context", baseUrl() + "/data/$metadata#" + e.name()
                    + (q.select == null ? "" : "(" + String.join(",", q.select) + ")"));
            if (q.count) {
                g.writeNumberField("@odata.count", count(set, q));
            }
            g.writeArrayFieldStart("value");
            long i = q.skipToken;
            long size = set.size();
            long skip = q.skipToken == 0 ? q.skip : 0;
            long remaining = q.top == null ? Long.MAX_VALUE : q.top;
            int written = 0;
            long next = -1;
            for (; i < size && remaining > 0; i++) {
                if (!visible(set, q, i)) {
                    continue;
                }
                if (skip > 0) {
                    skip--;
                    continue;
                }
                if (written == pageSize) {
                    next = i;
                    break;
                }
                writeRow(g, set, i, props);
                written++;
                remaining--;
            }
            if (rowDelayMicros > 0 && written > 0) {
                try {
                    Thread.sleep(written * rowDelayMicros / 1000, (int) (written * rowDelayMicros % 1000) * 1000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            g.writeEndArray();
            if (next >= 0) {
                g.writeStringField("@odata.nextLink", nextLink(e, q, next, remaining));
            }
            // the page is served: a client may take its last byte and close before this thread has returned, so the
            // request stops counting as in flight here, not after (else a client's next request overlaps the count)
            Runnable served = finishing.get();
            if (served != null) {
                served.run();
            }
            g.writeEndObject();
        }
    }

    private void writeRow(JsonGenerator g, FnoDataSet set, long i, List<FnoCatalog.Property> props) throws IOException {
        g.writeStartObject();
        g.writeStringField("@odata.etag", "W/\"JzEsNTYzNzE0" + Long.toString(i, 36) + "Jw==\"");
        for (FnoCatalog.Property p : props) {
            Object v = set.value(i, p);
            g.writeFieldName(p.name());
            if (v == null) {
                g.writeNull();
            } else if (v instanceof String s) {
                g.writeString(s);
            } else if (p.type().equals("Edm.Decimal")) {
                // F&O writes every Edm.Decimal with a fraction: 1.0, never 1
                BigDecimal d = v instanceof BigDecimal b ? b : new BigDecimal(v.toString());
                g.writeNumber(d.scale() < 1 ? d.setScale(1) : d);
            } else if (v instanceof BigDecimal d) {
                g.writeNumber(d);
            } else if (v instanceof Long l) {
                g.writeNumber(l);
            } else if (v instanceof Integer n) {
                g.writeNumber(n);
            } else if (v instanceof OffsetDateTime t) {
                g.writeString(t.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME).replace("+00:00", "Z"));
            } else if (v instanceof Boolean b) {
                g.writeBoolean(b);
            } else {
                g.writeString(v.toString());
            }
        }
        g.writeEndObject();
    }

    private String nextLink(FnoCatalog.Entity e, Query q, long next, long remaining) {
        Map<String, String> params = new LinkedHashMap<>();
        if (q.crossCompany) {
            params.put("cross-company", "true");
        }
        if (q.rawFilter != null) {
            params.put("$filter", q.rawFilter);
        }
        if (q.select != null) {
            params.put("$select", String.join(",", q.select));
        }
        if (q.orderBy != null) {
            params.put("$orderby", q.orderBy);
        }
        if (q.top != null) {
            params.put("$top", String.valueOf(remaining));
        }
        params.put("$skiptoken", String.valueOf(next));
        StringBuilder sb = new StringBuilder(baseUrl()).append("/data/").append(e.name()).append('?');
        params.forEach((k, v) -> sb.append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20")).append('&'));
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    /** The query options of one request, checked against the entity. */
    private static final class Query {
        List<String> select;
        ODataFilter.Node filter;
        String rawFilter;
        Long top;
        long skip;
        long skipToken;
        boolean count;
        boolean crossCompany;
        String orderBy;

        static Query parse(Map<String, String> params, FnoDataSet set) {
            FnoCatalog.Entity e = set.entity();
            Query q = new Query();
            for (String key : params.keySet()) {
                if (key.equals("$orderby")) {
                    String by = params.get(key).trim().replaceAll("(?i)\\s+asc$", "");
                    if (!set.growsWithRowOrder(by)) {
                        throw new UnsupportedOperationException("The sandbox F&O orders only by a growing key (natural order), not by '"
                                + params.get(key) + "'.");
                    }
                    continue;
                }
                if (key.equals("$expand") || key.equals("$apply") || key.equals("$search")) {
                    throw new UnsupportedOperationException("The sandbox F&O does not emulate " + key + ".");
                }
                if (key.startsWith("$") && !SUPPORTED.contains(key)) {
                    throw new ODataFilter.FilterException("The query parameter '" + key + "' is not supported.");
                }
            }
            if (params.containsKey("$select")) {
                q.select = Collections.unmodifiableList(ODataFilter.splitSelect(params.get("$select")));
                for (String s : q.select) {
                    if (e.property(s) == null) {
                        throw new ODataFilter.FilterException("Could not find a property named '" + s
                                + "' on type 'Microsoft.Dynamics.DataEntities." + e.name() + "'.");
                    }
                }
            }
            if (params.containsKey("$filter")) {
                q.rawFilter = params.get("$filter");
                q.filter = ODataFilter.parse(q.rawFilter, e);
            }
            q.top = params.containsKey("$top") ? number(params, "$top") : null;
            q.skip = params.containsKey("$skip") ? number(params, "$skip") : 0;
            q.skipToken = params.containsKey("$skiptoken") ? number(params, "$skiptoken") : 0;
            q.count = "true".equalsIgnoreCase(params.get("$count"));
            q.crossCompany = "true".equalsIgnoreCase(params.get("cross-company"));
            q.orderBy = params.get("$orderby");
            return q;
        }

        private static long number(Map<String, String> params, String key) {
            try {
                long v = Long.parseLong(params.get(key).trim());
                if (v < 0) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException ex) {
                throw new ODataFilter.FilterException("Invalid value for " + key + ": " + params.get(key));
            }
        }
    }
}
