package com.mlconnector.events;

import com.mlconnector.config.ConfigException;

import java.time.Duration;
import java.util.function.Function;

import static com.mlconnector.config.Props.bool;
import static com.mlconnector.config.Props.integer;
import static com.mlconnector.config.Props.or;
import static com.mlconnector.config.Props.trim;

/** F&O business events ({@code events.*}): where they come in, and how they become reads. */
public final class EventSettings {
    public final boolean enabled;
    /** The secret in the endpoint URL (or the X-Connector-Secret header); events are refused without it. */
    public final String secret;
    public final String mapFile;
    /** How long events gather before they are read: a burst becomes a few reads. */
    public final Duration coalesce;
    /** Longest $filter of one read, percent-encoded (IIS in front of F&O refuses query strings over 2,048). */
    public final int maxFilterLength;
    public final int maxAttempts;
    /** Azure Service Bus queue to consume events from (null: the HTTPS endpoint only). */
    public final String serviceBusQueue;
    public final String serviceBusConnection;

    public EventSettings(Function<String, String> p, boolean sandbox) {
        this.secret = trim(p.apply("events.secret"));
        String en = trim(p.apply("events.enabled"));
        this.enabled = en == null ? (sandbox || secret != null) : bool(p, "events.enabled", false);
        if (secret != null && secret.length() < 16) {
            throw new ConfigException("events.secret must be at least 16 characters (it is the endpoint's only "
                    + "authentication); generate one with `openssl rand -hex 24`");
        }
        if (enabled && secret == null && !sandbox) {
            throw new ConfigException("events.secret is required when business events are enabled (events.enabled)");
        }
        this.mapFile = or(p, "events.map", "events/business-events.yaml");
        this.coalesce = Duration.ofMillis(integer(p, "events.coalesce-ms", 2000, 50, 600_000));
        this.maxFilterLength = integer(p, "events.max-filter-length", 1400, 200, 30_000);
        this.maxAttempts = integer(p, "events.max-attempts", 5, 1, 100);
        this.serviceBusQueue = trim(p.apply("events.servicebus.queue"));
        this.serviceBusConnection = trim(p.apply("events.servicebus.connection-string"));
        if (serviceBusQueue != null && serviceBusConnection == null) {
            throw new ConfigException("events.servicebus.connection-string is required with events.servicebus.queue");
        }
    }
}
