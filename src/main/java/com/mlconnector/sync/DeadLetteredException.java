package com.mlconnector.sync;

/** A run read everything but some batches were dead-lettered: it did not fully succeed. */
public class DeadLetteredException extends IncompleteRunException {
    public DeadLetteredException(String message) {
        super(message);
    }
}
