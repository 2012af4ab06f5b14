package com.mlconnector.http;

import com.mlconnector.fno.ForeignHostException;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * HTTPS calls to one service with an Entra ID bearer token for that service's audience. The token is only ever
 * sent to the service's own scheme, host and port: any other URL is refused before a byte leaves. A 401 renews
 * the token once (msal4j's cache skipped) and repeats the call; any other non-2xx answer becomes an
 * {@link HttpOperationFailedException} (status, headers such as Retry-After, the start of the body) for the
 * shared retry policy. Uses the JDK HTTP client, which honours the JVM's proxy selector and the given TLS context.
 */
public final class BearerHttp {
    private static final Logger LOG = LoggerFactory.getLogger(BearerHttp.class);

    private final URI base;
    private final TokenSource tokens;
    private final HttpClient http;
    private final String service;
    private final String setting;

    /**
     * @param service what to call it in messages ("F&O")
     * @param setting the property that configures {@code base} ("d365.url"), named when a foreign link is refused
     */
    public BearerHttp(String service, String setting, URI base, TokenSource tokens, SSLContext ssl) {
        this.service = service;
        this.setting = setting;
        this.base = base;
        this.tokens = tokens;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(ssl)
                .proxy(ProxySelector.getDefault())
                .connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Sends the request with the token; returns the body of a 2xx answer as a stream the caller closes. */
    public InputStream send(HttpRequest.Builder request) throws IOException, HttpOperationFailedException {
        HttpRequest plain = request.copy().build();
        requireOwnHost(plain.uri());
        // the whole exchange, body included, has a deadline (the request's timeout, or the default)
        Duration limit = plain.timeout().orElse(Deadlines.DEFAULT);
        if (plain.timeout().isEmpty()) {
            request.timeout(limit);
        }
        String what = service + " " + plain.method() + " " + plain.uri().getPath();
        String token = tokens.token();
        long deadline = System.nanoTime() + limit.toNanos();
        HttpResponse<InputStream> response = exchange(request.copy(), token);
        com.mlconnector.ops.ConnectorMetrics.httpStatus(service, response.statusCode());
        if (response.statusCode() == 401) {
            response.body().close();
            LOG.info("{} answered 401 for {}: renewing the token and trying once more", service, plain.uri().getPath());
            deadline = System.nanoTime() + limit.toNanos();
            response = exchange(request.copy(), tokens.renewAfterUnauthorized(token));
            com.mlconnector.ops.ConnectorMetrics.httpStatus(service, response.statusCode());
        }
        int status = response.statusCode();
        InputStream bodyStream = Deadlines.bodyWithin(response.body(), deadline, what, limit);
        if (status >= 200 && status < 300) {
            return bodyStream;
        }
        String body;
        try (InputStream in = bodyStream) {
            body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        }
        throw failure(plain.uri(), status, response.headers(), body);
    }

    /**
     * A refused answer as the shared retry policy reads it: status, the headers (Retry-After; cookies left out) and the
     * start of the body.
     */
    public static HttpOperationFailedException failure(URI uri, int status, java.net.http.HttpHeaders responseHeaders, String body) {
        Map<String, String> headers = new LinkedHashMap<>();
        responseHeaders.map().forEach((k, v) -> {
            if (!v.isEmpty() && !k.equalsIgnoreCase("set-cookie")) {
                headers.put(k, v.get(0));
            }
        });
        String text = body == null ? "" : body;
        return new HttpOperationFailedException(uri.toString(), status, "HTTP " + status, null, headers,
                text.substring(0, Math.min(4096, text.length())));
    }

    /** Sends and reads the whole (small) answer as text. */
    public String sendForText(HttpRequest.Builder request) throws IOException, HttpOperationFailedException {
        try (InputStream in = send(request)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private HttpResponse<InputStream> exchange(HttpRequest.Builder request, String token) throws IOException {
        try {
            return http.send(request.header(tokens.headerName(), tokens.headerValue(token)).build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private void requireOwnHost(URI uri) {
        boolean same = "https".equalsIgnoreCase(uri.getScheme())
                && base.getHost().equalsIgnoreCase(uri.getHost())
                && port(base) == port(uri);
        if (!same) {
            throw new ForeignHostException(service + " sent a link to " + uri.getScheme() + "://" + uri.getAuthority()
                    + ", which is not the configured " + setting + " (" + base.getScheme() + "://" + base.getAuthority() + ")"
                    + "; the bearer token is only sent to " + base.getHost() + ", so the call stops here");
        }
    }

    private static int port(URI u) {
        return u.getPort() == -1 ? 443 : u.getPort();
    }
}
