package com.mlconnector.fno;

import com.mlconnector.entra.EntraTokenProvider;
import com.mlconnector.http.BearerHttp;
import org.apache.camel.http.base.HttpOperationFailedException;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * GETs from the F&O OData service with a bearer token for F&O's audience ({@code {d365.url}/.default}), only ever
 * to d365.url's host (a foreign {@code @odata.nextLink} is refused). The first request after start gets the longer
 * warm-up timeout (F&O's first call after an AOS restart takes 30–60 s), until one gets through.
 */
public final class FnoClient {
    private final String base;
    private final BearerHttp http;
    private final Duration requestTimeout;
    private final Duration firstRequestTimeout;
    private final AtomicBoolean warmedUp = new AtomicBoolean();
    private final FnoGate gate;

    public FnoClient(String d365Url, EntraTokenProvider tokens, SSLContext ssl, Duration requestTimeout, Duration firstRequestTimeout) {
        this(d365Url, tokens, ssl, requestTimeout, firstRequestTimeout, 4);
    }

    public FnoClient(String d365Url, EntraTokenProvider tokens, SSLContext ssl, Duration requestTimeout, Duration firstRequestTimeout,
                     int maxConcurrentRequests) {
        this.gate = new FnoGate(maxConcurrentRequests, firstRequestTimeout.plus(requestTimeout));
        this.base = d365Url;
        this.http = new BearerHttp("F&O", "d365.url", URI.create(d365Url), tokens.forScope(d365Url + "/.default"), ssl);
        this.requestTimeout = requestTimeout;
        this.firstRequestTimeout = firstRequestTimeout;
    }

    /** The OData service root, {@code {d365.url}/data}. */
    public String serviceRoot() {
        return base + "/data";
    }

    /** Opens the body of a 200 response; the caller closes it. */
    public InputStream get(String url) throws IOException, HttpOperationFailedException {
        return get(url, "application/json; odata.metadata=minimal");
    }

    /** Opens the service's {@code $metadata} (CSDL XML); the caller closes it. */
    public InputStream metadata() throws IOException, HttpOperationFailedException {
        return get(serviceRoot() + "/$metadata", "application/xml");
    }

    private InputStream get(String url, String accept) throws IOException, HttpOperationFailedException {
        boolean first = !warmedUp.get();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(first ? firstRequestTimeout : requestTimeout)
                .header("Accept", accept)
                .header("OData-Version", "4.0")
                .header("OData-MaxVersion", "4.0")
                .GET();
        // one of d365.max-concurrent-requests slots, held until the body is closed; none before a Retry-After passed
        gate.acquire();
        InputStream body;
        try {
            body = http.send(request);
        } catch (HttpOperationFailedException e) {
            if (e.getStatusCode() == 429 || e.getStatusCode() == 503) {
                gate.throttled(retryAfter(e));
            }
            gate.release(false);
            throw e;
        } catch (IOException | RuntimeException e) {
            gate.release(false);
            throw e;
        }
        warmedUp.set(true);
        return new java.io.FilterInputStream(body) {
            private boolean released;

            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    if (!released) {
                        released = true;
                        gate.release(true);
                    }
                }
            }
        };
    }

    private static Duration retryAfter(HttpOperationFailedException e) {
        String v = e.getResponseHeaders() == null ? null : e.getResponseHeaders().entrySet().stream()
                .filter(h -> h.getKey().equalsIgnoreCase("Retry-After")).map(java.util.Map.Entry::getValue).findFirst().orElse(null);
        try {
            return Duration.ofSeconds(v == null ? 1 : Math.max(0, Long.parseLong(v.trim())));
        } catch (NumberFormatException notSeconds) {
            return Duration.ofSeconds(1); // an HTTP date: the retry policy reads it; here, a second's pause for everyone
        }
    }

    /** How many requests may be in flight now (d365.max-concurrent-requests, halved after each 429). */
    public int concurrencyLimit() {
        return gate.limit();
    }
}
