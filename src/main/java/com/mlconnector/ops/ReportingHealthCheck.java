package com.mlconnector.ops;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A check that reports in {@code /observe/health} and never takes the process out: neither a liveness nor a readiness
 * check, since neither a restart nor leaving the service would mend a remote system (Power BI, a warehouse, F&O), and
 * both would stop business events and webhooks from being taken. Its verdict is read from the state database within a
 * deadline ({@link Deadlined}), so a database that went away makes it DOWN, never a health endpoint that hangs.
 */
abstract class ReportingHealthCheck extends AbstractHealthCheck {
    ReportingHealthCheck(String id) {
        super("ml-connector", id);
    }

    /** What a check found: up or down, a message (or null) and details. */
    record Verdict(boolean up, String message, Map<String, Object> details) {
        static Verdict of(boolean up, String message, Object... keysAndValues) {
            Map<String, Object> d = new LinkedHashMap<>();
            for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
                d.put((String) keysAndValues[i], keysAndValues[i + 1]);
            }
            return new Verdict(up, message, d);
        }
    }

    private final Deadlined<Verdict> read = new Deadlined<>(Duration.ofSeconds(2));

    /** Reads the state database and says what it found (runs on a thread of its own, within the deadline). */
    protected abstract Verdict verdict() throws Exception;

    /** What the message starts with when the state database could not be read. */
    protected abstract String unreadable();

    @Override
    protected final void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try {
            Verdict v = read.get(this::verdict);
            v.details().forEach(builder::detail);
            if (v.message() != null) {
                builder.message(v.message());
            }
            if (v.up()) {
                builder.up();
            } else {
                builder.down();
            }
        } catch (Exception e) {
            builder.message(unreadable() + e.getMessage()).down();
        }
    }

    @Override
    public final boolean isLiveness() {
        return false;
    }

    @Override
    public final boolean isReadiness() {
        return false;
    }
}
