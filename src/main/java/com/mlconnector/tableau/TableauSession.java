package com.mlconnector.tableau;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mlconnector.http.TokenSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connector's one Tableau session, signed in with the personal access token. Tableau keeps one session per
 * token (signing in again ends the earlier one), so every thread shares this one; a 401 signs in again, but only
 * if the refused token is still the current one: a second thread refused with the same old token takes the session
 * the first one opened instead of ending it.
 */
public final class TableauSession implements TokenSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TableauSession.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Signed(String token, String siteId, String userId) {
    }

    private final TableauSettings settings;
    private final HttpClient http;
    private final AtomicInteger signIns = new AtomicInteger();
    private Signed current;

    public TableauSession(TableauSettings settings, SSLContext ssl) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl)
                .proxy(ProxySelector.getDefault()).connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public synchronized String token() {
        if (current == null) {
            current = signIn();
        }
        return current.token();
    }

    @Override
    public synchronized String renewAfterUnauthorized(String rejected) {
        if (current != null && !current.token().equals(rejected)) {
            return current.token(); // another thread signed in already
        }
        LOG.info("Tableau refused the session (expired or ended): signing in again");
        current = signIn();
        return current.token();
    }

    @Override
    public String headerName() {
        return "X-Tableau-Auth";
    }

    @Override
    public String headerValue(String token) {
        return token;
    }

    /** The site's LUID, which every site URL carries (signs in if needed). */
    public synchronized String siteId() {
        token();
        return current.siteId();
    }

    /** How many times the connector signed in (each one ends the previous session of the token). */
    public int signIns() {
        return signIns.get();
    }

    private Signed signIn() {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode credentials = body.putObject("credentials");
        credentials.put("personalAccessTokenName", settings.patName);
        credentials.put("personalAccessTokenSecret", settings.patSecret);
        credentials.putObject("site").put("contentUrl", settings.site);
        HttpRequest request = HttpRequest.newBuilder(URI.create(settings.apiBase() + "auth/signin"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        HttpResponse<String> response = send(request);
        int status = response.statusCode();
        com.mlconnector.ops.ConnectorMetrics.httpStatus("Tableau", status);
        if (status == 401 || status == 403 || status == 404) {
            throw new TableauException("Tableau refused to sign in with the personal access token '" + settings.patName
                    + "' on site '" + settings.site + "' at " + settings.serverUrl + " (HTTP " + status + " " + errorCode(response.body())
                    + "): check tableau.pat-name, tableau.pat-secret and tableau.site; a token unused for 15 days, or revoked, must be recreated");
        }
        if (status < 200 || status >= 300) {
            throw new TableauException("Tableau sign-in answered HTTP " + status, com.mlconnector.http.BearerHttp.failure(request.uri(), status, response.headers(), response.body()));
        }
        try {
            JsonNode c = JSON.readTree(response.body()).path("credentials");
            String token = c.path("token").asText(null);
            String site = c.path("site").path("id").asText(null);
            if (token == null || site == null) {
                throw new TableauException("Tableau's sign-in answer has no credentials.token or site.id");
            }
            signIns.incrementAndGet();
            com.mlconnector.ops.ConnectorMetrics.tokenRenewal("Tableau");
            LOG.info("Signed in to Tableau at {} (site '{}', {}), as the token '{}'", settings.serverUrl, settings.site, site,
                    settings.patName);
            return new Signed(token, site, c.path("user").path("id").asText(""));
        } catch (IOException e) {
            throw new UncheckedIOException("Tableau's sign-in answer is not JSON", e);
        }
    }

    /** Ends the session (so the token is free for another client of the same PAT). */
    @Override
    public synchronized void close() {
        if (current == null) {
            return;
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(settings.apiBase() + "auth/signout"))
                    .timeout(Duration.ofSeconds(10)).header("X-Tableau-Auth", current.token())
                    .POST(HttpRequest.BodyPublishers.noBody()).build();
            com.mlconnector.http.Deadlines.send(http, request, HttpResponse.BodyHandlers.discarding(), Duration.ofSeconds(10),
                    "Tableau sign-out");
        } catch (IOException e) {
            LOG.debug("Tableau sign-out: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            current = null;
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return com.mlconnector.http.Deadlines.send(http, request, HttpResponse.BodyHandlers.ofString(),
                    request.timeout().orElse(com.mlconnector.http.Deadlines.DEFAULT), "Tableau sign-in at " + settings.serverUrl);
        } catch (IOException e) {
            throw new UncheckedIOException("Tableau at " + settings.serverUrl + " did not answer the sign-in: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted"));
        }
    }

    /** Tableau's error code ("401001") from an error answer, or "". */
    static String errorCode(String body) {
        try {
            JsonNode e = JSON.readTree(body == null ? "" : body).path("error");
            return e.path("code").asText("") + (e.hasNonNull("summary") ? " " + e.path("summary").asText() : "");
        } catch (IOException notJson) {
            return "";
        }
    }
}
