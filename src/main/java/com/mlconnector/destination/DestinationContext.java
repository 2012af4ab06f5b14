package com.mlconnector.destination;

import com.mlconnector.sync.Mappings;

import java.util.function.Function;

/**
 * What a destination added through the {@code destinations} property is made with: its settings are read from
 * {@code properties} (application.properties, overrides, the environment, ENC(...) values decrypted), conventionally
 * under {@code <name>.}. The constructor only reads settings: the read-only commands ({@code status}) make the
 * destination too, to know what it takes, and must connect to nothing.
 *
 * @param properties a property by its name, or null when not set
 * @param mappings   the mapped entities
 * @param sandboxed  the connector runs against the in-process sandbox (no d365.url)
 */
public record DestinationContext(Function<String, String> properties, Mappings mappings, boolean sandboxed) {
    /** A property, or the default when it is not set or blank. */
    public String property(String name, String defaultValue) {
        String v = properties.apply(name);
        return v == null || v.isBlank() ? defaultValue : v.trim();
    }
}
