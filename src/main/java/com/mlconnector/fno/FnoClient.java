package com.mlconnector.fno;

import com.mlconnector.entra.EntraTokenProvider;
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
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * GETs from the F&O OData service with a bearer token for F&O's audience. The token is only ever sent to the
 * configured host: any other URL (a foreign {@code @odata.nextLink}) is refused before a byte leaves.
 * A 401 renews the token once (msal4j cache skipped) and repeats the call; other failures become
 * {@link HttpOperationFailedException}s that the shared Camel error handler retries or gives up on.
 * <p>
 * Uses the JDK HTTP client: it streams the body (pages are parsed as they arrive), and honours the JVM's proxy
 * properties ({@code https.proxyHost}) through the default proxy selector and the trust store through the TLS context.
 */
public final class FnoClient {
    private static final Logger LOG = LoggerFactory.getLogger(FnoClient.class);

    private final URI base;
    private final String scope;
    private final EntraTokenProvider tokens;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final Duration firstRequestTimeout;
    private final AtomicBoolean warmedUp = new AtomicBoolean();

    public FnoClient(String d365Url, EntraTokenProvider tokens, SSLContext ssl, Duration requestTimeout, Duration firstRequestTimeout) {
        this.base = URI.create(d365Url);
        this.scope = d365Url + "/.default";
        this.tokens = tokens;
        this.requestTimeout = requestTimeout;
        this.firstRequestTimeout = firstRequestTimeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(ssl)
                .proxy(ProxySelector.getDefault())
                .connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** The OData service root, {@code {d365.url}/data}. */
    public String serviceRoot() {
        return base + "/data";
    }

    /** Opens the body of a 200 response; the caller closes it. */
    public InputStream get(String url) throws IOException, HttpOperationFailedException {
        URI uri = URI.create(url);
        requireOwnHost(uri);
        String token = tokens.token(scope);
        HttpResponse<InputStream> response = send(uri, token);
        if (response.statusCode() == 401) {
            response.body().close();
            LOG.info("F&O answered 401 for {}: renewing the token and trying once more", uri.getPath());
            response = send(uri, tokens.renewAfterUnauthorized(scope, token));
        }
        int status = response.statusCode();
        if (status == 200) {
            return response.body();
        }
        String body;
        try (InputStream in = response.body()) {
            body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        response.headers().map().forEach((k, v) -> {
            if (!v.isEmpty() && !k.equalsIgnoreCase("set-cookie")) {
                headers.put(k, v.get(0));
            }
        });
        throw new HttpOperationFailedException(url, status, reason(status), null, headers, body);
    }

    private HttpResponse<InputStream> send(URI uri, String token) throws IOException {
        boolean first = warmedUp.compareAndSet(false, true);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(first ? firstRequestTimeout : requestTimeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json; odata.metadata=minimal")
                .header("OData-Version", "4.0")
                .header("OData-MaxVersion", "4.0")
                .GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (IOException e) {
            if (first) {
                warmedUp.set(false); // the long warm-up timeout applies until a call gets through
            }
            throw e;
        }
    }

    private void requireOwnHost(URI uri) {
        boolean same = "https".equalsIgnoreCase(uri.getScheme())
                && base.getHost().equalsIgnoreCase(uri.getHost())
                && port(base) == port(uri);
        if (!same) {
            throw new ForeignHostException("F&O sent a link to " + uri.getScheme() + "://" + uri.getAuthority()
                    + ", which is not the configured d365.url (" + base + "); the bearer token is only sent to "
                    + base.getHost() + ", so the read stops here");
        }
    }

    private static int port(URI u) {
        return u.getPort() == -1 ? 443 : u.getPort();
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "HTTP " + status;
        };
    }
}
