package com.mlconnector.entra;

import com.microsoft.aad.msal4j.ClientCredentialFactory;
import com.microsoft.aad.msal4j.ClientCredentialParameters;
import com.microsoft.aad.msal4j.ConfidentialClientApplication;
import com.microsoft.aad.msal4j.IAuthenticationResult;
import com.microsoft.aad.msal4j.MsalServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client-credential tokens from Microsoft Entra ID for one app registration, through msal4j: one
 * {@link ConfidentialClientApplication} per client id, one cached token per audience (scope), renewed shortly
 * before it expires and, after a 401, once more with msal4j's cache skipped.
 * <p>
 * The connector keeps its own expiry-aware cache in front of msal4j because msal4j, built for a non-Microsoft
 * authority (sandbox, sovereign test hosts), did not serve a second acquireToken from its cache.
 */
public final class EntraTokenProvider {
    private static final Logger LOG = LoggerFactory.getLogger(EntraTokenProvider.class);
    private static final Duration RENEW_BEFORE = Duration.ofMinutes(5);

    private record Cached(String token, Instant renewAt) {
    }

    private final ConfidentialClientApplication app;
    private final String clientId;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final AtomicLong acquisitions = new AtomicLong();

    public EntraTokenProvider(String authorityHost, String tenantId, String clientId, String clientSecret,
                              SSLContext ssl, Clock clock) {
        this.clientId = clientId;
        this.clock = clock;
        try {
            boolean microsoftHost = authorityHost.matches("https://login\\.(microsoftonline\\.(com|us)|chinacloudapi\\.cn)");
            this.app = ConfidentialClientApplication.builder(clientId, ClientCredentialFactory.createFromSecret(clientSecret))
                    .authority(authorityHost + "/" + tenantId + "/")
                    .instanceDiscovery(microsoftHost)
                    .validateAuthority(microsoftHost)
                    .sslSocketFactory(ssl.getSocketFactory())
                    // every wait has a deadline: msal4j's own HTTP client waits forever by default
                    .connectTimeoutForDefaultHttpClient((int) TOKEN_TIMEOUT.toMillis())
                    .readTimeoutForDefaultHttpClient((int) TOKEN_TIMEOUT.toMillis())
                    .build();
        } catch (Exception e) {
            throw new IllegalArgumentException("entra.authority-host / d365.tenant-id do not form a valid authority: "
                    + authorityHost + "/" + tenantId, e);
        }
    }

    /** A valid access token for the scope (e.g. {@code https://contoso.operations.dynamics.com/.default}). */
    public String token(String scope) {
        Cached c = cache.get(scope);
        if (c != null && clock.instant().isBefore(c.renewAt())) {
            return c.token();
        }
        synchronized (this) {
            c = cache.get(scope);
            if (c != null && clock.instant().isBefore(c.renewAt())) {
                return c.token();
            }
            return acquire(scope, false);
        }
    }

    /** Called after a 401: drops the cached token and asks Entra ID for a new one, bypassing msal4j's cache. */
    public synchronized String renewAfterUnauthorized(String scope, String rejected) {
        Cached c = cache.get(scope);
        if (c != null && !c.token().equals(rejected)) {
            return c.token(); // another thread renewed it already
        }
        cache.remove(scope);
        return acquire(scope, true);
    }

    /** This provider's tokens for one scope, as a {@link com.mlconnector.http.TokenSource}. */
    public com.mlconnector.http.TokenSource forScope(String scope) {
        return new com.mlconnector.http.TokenSource() {
            @Override
            public String token() {
                return EntraTokenProvider.this.token(scope);
            }

            @Override
            public String renewAfterUnauthorized(String rejected) {
                return EntraTokenProvider.this.renewAfterUnauthorized(scope, rejected);
            }
        };
    }

    /** How many tokens this provider obtained from Entra ID (for metrics and tests). */
    public long acquisitions() {
        return acquisitions.get();
    }

    /** A token request's connect and read timeouts (and twice that for the whole call). */
    static final Duration TOKEN_TIMEOUT = Duration.ofSeconds(30);

    private String acquire(String scope, boolean skipCache) {
        Instant asked = clock.instant();
        IAuthenticationResult result;
        try {
            var call = app.acquireToken(ClientCredentialParameters.builder(Set.of(scope)).skipCache(skipCache).build());
            try {
                result = call.get(TOKEN_TIMEOUT.multipliedBy(2).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                call.cancel(true);
                throw new TokenException("Entra ID did not answer a token request for client " + clientId + " within "
                        + TOKEN_TIMEOUT.multipliedBy(2).toSeconds() + " s", new java.net.http.HttpTimeoutException("token request timed out"));
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String detail = cause instanceof MsalServiceException mse
                    ? mse.errorCode() + " (HTTP " + mse.statusCode() + "): " + firstLine(mse.getMessage())
                    : cause.getClass().getSimpleName() + ": " + firstLine(cause.getMessage());
            throw new TokenException("Entra ID refused a token for client " + clientId + " and scope " + scope + ": " + detail, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenException("interrupted while asking Entra ID for a token", e);
        }
        acquisitions.incrementAndGet();
        com.mlconnector.ops.ConnectorMetrics.tokenRenewal("Entra ID");
        Instant expires = result.expiresOnDate().toInstant();
        Duration lifetime = Duration.between(asked, expires);
        Duration margin = lifetime.dividedBy(2).compareTo(RENEW_BEFORE) < 0 ? lifetime.dividedBy(2) : RENEW_BEFORE;
        cache.put(scope, new Cached(result.accessToken(), expires.minus(margin)));
        LOG.debug("Token for {} obtained, valid until {}", scope, expires);
        return result.accessToken();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
