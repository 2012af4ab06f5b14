package com.mlconnector.mapping;

/** A mapping file that cannot be used; the message names the file and the field. */
public class MappingException extends RuntimeException {
    public MappingException(String message) {
        super(message);
    }
}
