package com.mlconnector.entra;

/** No token could be had: wrong secret, tenant or scope, or Entra ID unreachable. */
public class TokenException extends RuntimeException {
    public TokenException(String message, Throwable cause) {
        super(message, cause);
    }
}
