package com.mlconnector.sandbox;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Microsoft Entra ID's client-credentials token endpoint, {@code POST /{tenant}/oauth2/v2.0/token}: checks the
 * tenant, client id and secret, and that the scope names a known audience as {@code {audience}/.default};
 * answers with an access token that expires. Error bodies carry AADSTS codes like the real service.
 */
public final class EntraEmulator extends EmulatorServer {
    private static final Set<String> OIDC_SCOPES = Set.of("openid", "profile", "offline_access");
    private final String tenantId;
    private final Map<String, String> clients = new ConcurrentHashMap<>();
    private final Set<String> audiences = ConcurrentHashMap.newKeySet();
    private final SandboxTokens tokens;
    private volatile long lifetimeSeconds;
    private final AtomicLong requests = new AtomicLong();

    public EntraEmulator(int port, String tenantId, SandboxTokens tokens, long lifetimeSeconds) {
        super(port);
        this.tenantId = tenantId;
        this.tokens = tokens;
        this.lifetimeSeconds = lifetimeSeconds;
        start();
    }

    public void registerClient(String clientId, String secret) {
        clients.put(clientId, secret);
    }

    public void registerAudience(String audience) {
        audiences.add(audience);
    }

    public void setLifetimeSeconds(long seconds) {
        this.lifetimeSeconds = seconds;
    }

    public long requests() {
        return requests.get();
    }

    public String tenantId() {
        return tenantId;
    }

    @Override
    protected void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (!"POST".equals(ex.getRequestMethod()) || !path.equals("/" + tenantId + "/oauth2/v2.0/token")) {
            if (path.endsWith("/oauth2/v2.0/token")) {
                sendJson(ex, 400, error("invalid_request", "AADSTS90002: Tenant '" + path.split("/")[1] + "' not found."));
            } else {
                sendJson(ex, 404, error("not_found", "AADSTS90002: no such endpoint " + path));
            }
            return;
        }
        requests.incrementAndGet();
        Map<String, String> form = params(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (!"client_credentials".equals(form.get("grant_type"))) {
            sendJson(ex, 400, error("unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type."));
            return;
        }
        String clientId = form.get("client_id");
        String expected = clientId == null ? null : clients.get(clientId);
        if (expected == null) {
            sendJson(ex, 400, error("unauthorized_client", "AADSTS700016: Application with identifier '" + clientId
                    + "' was not found in the directory '" + tenantId + "'."));
            return;
        }
        if (!expected.equals(form.get("client_secret"))) {
            sendJson(ex, 401, error("invalid_client", "AADSTS7000215: Invalid client secret provided."));
            return;
        }
        String scope = form.getOrDefault("scope", "");
        // msal4j adds the OIDC scopes (openid profile offline_access); Entra ignores them for this grant.
        // What is left must be exactly one {resource}/.default naming a known audience.
        List<String> resources = Arrays.stream(scope.trim().split("\\s+"))
                .filter(s -> !s.isEmpty() && !OIDC_SCOPES.contains(s)).toList();
        String only = resources.size() == 1 ? resources.get(0) : "";
        String audience = only.endsWith("/.default") ? only.substring(0, only.length() - "/.default".length()) : null;
        if (audience == null || !audiences.contains(audience)) {
            sendJson(ex, 400, error("invalid_scope", "AADSTS70011: The provided value for the input parameter 'scope' is not valid: " + scope));
            return;
        }
        String token = tokens.issue(audience, lifetimeSeconds);
        sendJson(ex, 200, "{\"token_type\":\"Bearer\",\"expires_in\":" + lifetimeSeconds + ",\"ext_expires_in\":"
                + lifetimeSeconds + ",\"access_token\":\"" + token + "\"}");
    }

    private static String error(String code, String description) {
        return "{\"error\":" + quote(code) + ",\"error_description\":" + quote(description) + ",\"error_codes\":[0]}";
    }
}
