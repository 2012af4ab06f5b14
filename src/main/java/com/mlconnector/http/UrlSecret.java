package com.mlconnector.http;

import org.apache.camel.Exchange;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The shared secret of an inbound endpoint whose callers sign nothing (Tableau webhooks, F&O business events): it
 * travels in the URL, so it is compared in constant time and never echoed or logged.
 */
public final class UrlSecret {
    private final byte[] digest;

    /** @param secret the configured secret; null refuses every call */
    public UrlSecret(String secret) {
        this.digest = secret == null ? null : sha256(secret);
    }

    public boolean configured() {
        return digest != null;
    }

    /** True only for the configured secret; digests of equal length, so the time does not depend on the guess. */
    public boolean matches(String given) {
        return digest != null && given != null && MessageDigest.isEqual(digest, sha256(given));
    }

    /** The answer of an inbound endpoint: status and a small JSON body, nothing of the request. */
    public static void answer(Exchange exchange, int status, String json) {
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(json);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
