package com.mlconnector.fno;

/** F&O returned an {@code @odata.nextLink} it had already returned: following it would never end. Not retried. */
public class RepeatingPageException extends RuntimeException {
    public RepeatingPageException(String message) {
        super(message);
    }
}
