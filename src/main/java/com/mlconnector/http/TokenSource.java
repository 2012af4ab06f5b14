package com.mlconnector.http;

/** Bearer tokens for one audience: a valid one now, and a fresh one after the service refused {@code rejected}. */
public interface TokenSource {
    String token();

    String renewAfterUnauthorized(String rejected);
}
