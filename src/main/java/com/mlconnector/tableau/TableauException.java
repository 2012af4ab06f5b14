package com.mlconnector.tableau;

/** Tableau refused something in a way that trying again cannot fix (a refused sign-in, a refresh that failed). */
public class TableauException extends RuntimeException {
    public TableauException(String message) {
        super(message);
    }

    /** With the HTTP failure as cause, so the retry policy can still tell a 429 or a 503 from a refusal. */
    public TableauException(String message, Throwable cause) {
        super(message, cause);
    }
}
