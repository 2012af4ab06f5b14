package com.mlconnector.http;

/**
 * Credentials for one service: a valid one now, and a fresh one after the service refused {@code rejected}. Bearer
 * tokens by default; a service with its own session header (Tableau's X-Tableau-Auth) says so.
 */
public interface TokenSource {
    String token();

    String renewAfterUnauthorized(String rejected);

    /** The request header that carries the credential. */
    default String headerName() {
        return "Authorization";
    }

    default String headerValue(String token) {
        return "Bearer " + token;
    }
}
