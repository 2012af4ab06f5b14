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

    public FnoClient(String d365Url, EntraTokenProvider tokens, SSLContext ssl, Duration requestTimeout, Duration firstRequestTimeout) {
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
        InputStream body = http.send(request);
        warmedUp.set(true);
        return body;
    }
}
