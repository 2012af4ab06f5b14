package com.mlconnector.databricks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mlconnector.http.TokenSource;
import org.apache.camel.http.base.HttpOperationFailedException;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Databricks OAuth machine-to-machine tokens: {@code POST {host}/oidc/v1/token} with HTTP Basic (service principal
 * id and secret), {@code grant_type=client_credentials&scope=all-apis}; cached, renewed a few minutes before the
 * hour ends and once after a 401.
 */
public final class DatabricksTokens implements TokenSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String basic;
    private final HttpClient http;
    private final AtomicLong acquisitions = new AtomicLong();
    private String token;
    private Instant renewAt = Instant.EPOCH;

    public DatabricksTokens(String host, String clientId, String clientSecret, SSLContext ssl) {
        this.endpoint = URI.create(host + "/oidc/v1/token");
        this.basic = "Basic " + Base64.getEncoder().encodeToString((clientId + ":" + clientSecret).getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder().sslContext(ssl).proxy(ProxySelector.getDefault())
                .connectTimeout(Duration.ofSeconds(30)).build();
    }

    @Override
    public synchronized String token() {
        if (token == null || !Instant.now().isBefore(renewAt)) {
            acquire();
        }
        return token;
    }

    @Override
    public synchronized String renewAfterUnauthorized(String rejected) {
        if (token != null && !token.equals(rejected)) {
            return token;
        }
        acquire();
        return token;
    }

    public long acquisitions() {
        return acquisitions.get();
    }

    private void acquire() {
        try {
            HttpResponse<String> r = com.mlconnector.http.Deadlines.send(http, HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(60))
                    .header("Authorization", basic).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=all-apis")).build(),
                    HttpResponse.BodyHandlers.ofString(), Duration.ofSeconds(60), "Databricks OAuth at " + endpoint.getHost());
            com.mlconnector.ops.ConnectorMetrics.httpStatus("Databricks OAuth", r.statusCode());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("Databricks refused a token for databricks.client-id (HTTP " + r.statusCode() + "): "
                        + r.body().substring(0, Math.min(300, r.body().length())),
                        new HttpOperationFailedException(endpoint.toString(), r.statusCode(), "HTTP " + r.statusCode(), null,
                                Map.of("Retry-After", r.headers().firstValue("Retry-After").orElse("")), r.body()));
            }
            JsonNode body = JSON.readTree(r.body());
            long life = body.path("expires_in").asLong(3600);
            token = body.path("access_token").asText();
            com.mlconnector.ops.ConnectorMetrics.tokenRenewal("Databricks");
            renewAt = Instant.now().plusSeconds(Math.max(life / 2, life - 300));
            acquisitions.incrementAndGet();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach Databricks at " + endpoint, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
