package com.mlconnector.sandbox;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Access tokens the sandbox Entra ID issued, checked by the sandbox services they are meant for. */
public final class SandboxTokens {
    /** Why a token was refused; null when it is good. */
    public enum Refusal { MISSING, UNKNOWN, EXPIRED, WRONG_AUDIENCE }

    private record Issued(String audience, Instant expires) {
    }

    private final Map<String, Issued> tokens = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> issuedPerAudience = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    public SandboxTokens(Clock clock) {
        this.clock = clock;
    }

    String issue(String audience, long lifetimeSeconds) {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        String token = "sbx." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        tokens.put(token, new Issued(audience, clock.instant().plusSeconds(lifetimeSeconds)));
        issuedPerAudience.computeIfAbsent(audience, a -> new AtomicInteger()).incrementAndGet();
        return token;
    }

    Refusal check(String authorizationHeader, String audience) {
        if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
            return Refusal.MISSING;
        }
        Issued issued = tokens.get(authorizationHeader.substring(7).trim());
        if (issued == null) {
            return Refusal.UNKNOWN;
        }
        if (!issued.audience().equals(audience)) {
            return Refusal.WRONG_AUDIENCE;
        }
        if (!clock.instant().isBefore(issued.expires())) {
            return Refusal.EXPIRED;
        }
        return null;
    }

    /** Tokens issued so far for an audience (tests assert renewals with it). */
    public int issuedFor(String audience) {
        AtomicInteger n = issuedPerAudience.get(audience);
        return n == null ? 0 : n.get();
    }

    /** Makes every token issued so far expire now, as if an hour had passed. */
    public void expireAll() {
        tokens.replaceAll((t, i) -> new Issued(i.audience(), clock.instant()));
    }
}
