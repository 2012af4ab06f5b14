package com.mlconnector.fno;

/** A page F&O sent could not be read as OData JSON, or a row broke the mapping's rules. Not retried. */
public class MalformedPageException extends RuntimeException {
    public MalformedPageException(String message, Throwable cause) {
        super(message, cause);
    }
}
