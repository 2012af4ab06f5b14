package com.mlconnector.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/**
 * The connector's own meters, next to Camel's on /observe/metrics (Prometheus). They are recorded on Micrometer's
 * global registry, to which the running connector adds the Prometheus registry it exposes; without one (a unit
 * test, the benchmark) recording costs next to nothing.
 */
public final class ConnectorMetrics {
    private ConnectorMetrics() {
    }

    /**
     * Every table's and destination's series, registered at zero on start-up: an alert on increase() sees the first
     * event too, and a scrape shows what exists before anything happened.
     */
    public static void registerAtZero(java.util.Collection<String> tables, java.util.function.BiPredicate<String, String> takes,
                                      java.util.Collection<String> destinations) {
        for (String t : tables) {
            rowsRead(t, 0);
            for (String d : destinations) {
                if (!takes.test(d, t)) {
                    continue;
                }
                Counter.builder("mlconnector.rows.delivered").description("Rows a destination confirmed")
                        .tag("table", t).tag("destination", d).register(Metrics.globalRegistry);
                Counter.builder("mlconnector.dead.letters").description("Batches dead-lettered after their retries")
                        .tag("table", t).tag("destination", d).register(Metrics.globalRegistry);
                reconciled(t, d, 0, 0, 0);
            }
        }
    }

    public static void rowsRead(String table, long rows) {
        Counter.builder("mlconnector.rows.read").description("Rows read from F&O").tag("table", table)
                .register(Metrics.globalRegistry).increment(rows);
    }

    public static void delivered(String table, String destination, long rows, Duration took) {
        Counter.builder("mlconnector.rows.delivered").description("Rows a destination confirmed")
                .tag("table", table).tag("destination", destination).register(Metrics.globalRegistry).increment(rows);
        Timer.builder("mlconnector.batch").description("Time from a batch handed to a destination to its confirmation")
                .tag("destination", destination).register(Metrics.globalRegistry).record(took);
    }

    /** What a reconcile corrected in a destination: the drift the incremental runs had missed. */
    public static void reconciled(String table, String destination, long inserted, long updated, long deleted) {
        for (Object[] c : new Object[][] {{"inserted", inserted}, {"updated", updated}, {"deleted", deleted}}) {
            Counter.builder("mlconnector.reconcile.corrections").description("Rows a reconcile corrected (missed by incremental runs)")
                    .tag("table", table).tag("destination", destination).tag("change", (String) c[0])
                    .register(Metrics.globalRegistry).increment((Long) c[1]);
        }
    }

    public static void deadLetter(String table, String destination) {
        Counter.builder("mlconnector.dead.letters").description("Batches dead-lettered after their retries")
                .tag("table", table).tag("destination", destination).register(Metrics.globalRegistry).increment();
    }

    /** One HTTP answer from a system the connector calls (F&O, Power BI, Databricks, Tableau, Entra ID). */
    public static void httpStatus(String system, int status) {
        Counter.builder("mlconnector.http.responses").description("HTTP answers by system and status (429s included)")
                .tag("system", system).tag("status", String.valueOf(status)).register(Metrics.globalRegistry).increment();
    }

    /** A new token or session was obtained (first one, expiry, or after a 401). */
    public static void tokenRenewal(String system) {
        Counter.builder("mlconnector.token.renewals").description("Tokens and sessions obtained").tag("system", system)
                .register(Metrics.globalRegistry).increment();
    }

    public static void retry(String reason) {
        String kind = reason == null ? "other" : reason.startsWith("HTTP ") ? reason.split(",")[0] : reason.split(":")[0];
        Counter.builder("mlconnector.retries").description("Steps tried again by the retry policy").tag("reason", kind)
                .register(Metrics.globalRegistry).increment();
    }
}
