package com.mlconnector.fno;

/** F&O pointed the reader at another host; nothing is sent there. Not retried. */
public class ForeignHostException extends RuntimeException {
    public ForeignHostException(String message) {
        super(message);
    }
}
