package com.mlconnector.fno;

/**
 * A mapping names what the tenant does not have (a property, a key, an entity set) or a type that cannot land without
 * loss. Not retried: the mapping or the tenant must change first. The message says what and where.
 */
public final class MappingMismatchException extends RuntimeException {
    public MappingMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
