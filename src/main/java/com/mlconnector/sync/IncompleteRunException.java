package com.mlconnector.sync;

/** A run read to the end but did not fully succeed (ended PARTIAL): the exit code and the caller see it. */
public class IncompleteRunException extends RuntimeException {
    public IncompleteRunException(String message) {
        super(message);
    }
}
