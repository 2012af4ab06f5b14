package com.mlconnector.config;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import static com.mlconnector.config.Props.bool;
import static com.mlconnector.config.Props.integer;
import static com.mlconnector.config.Props.or;
import static com.mlconnector.config.Props.stripSlash;
import static com.mlconnector.config.Props.trim;

/**
 * Every setting the connector reads, resolved once at start-up through Camel's properties component (so JVM
 * system properties and environment variables override application.properties, and ENC(...) values are
 * decrypted). Checks everything it can before anything runs: a bad value stops start-up naming the property.
 */
public final class ConnectorSettings {
    public final String d365Url;
    public final String tenantId;
    public final String clientId;
    public final String clientSecret;
    public final String authorityHost;
    public final List<String> legalEntities;
    public final boolean crossCompany;
    public final String dimensionDelimiter;
    public final int batchSize;
    /** Batches each destination of a run may have waiting (its queue); the read runs at most this far ahead of it. */
    public final int queueDepth;
    /** How long a run waits for a full queue, or for its queues to drain. */
    public final int deliveryWaitMinutes;
    /** How long a run waits for another run of the same table to end before giving up. */
    public final int tableWaitMinutes;
    /** How long a table lease lasts unless renewed: a node that dies gives its tables up at most this long after. */
    public final int leaseSeconds;
    /** Dead letters of a lagging destination replayed at the end of each run of its table (0: none). */
    public final int catchUpBatches;
    public final Duration requestTimeout;
    /** Requests in flight to F&O across the process (halved on a 429, creeping back up). */
    public final int maxConcurrentRequests;
    /** Chains of pages a large read is split into (legal entities, key ranges), read at once; never more than the requests allowed in flight. */
    public final int readPartitions;
    /** A read's remainder is split only where each partition would hold at least this many rows. */
    public final int partitionMinRows;
    public final Duration firstRequestTimeout;
    public final String landingJdbcUrl;
    public final String landingUsername;
    public final String landingPassword;
    public final String mappingsDir;
    public final RetrySettings retry;

    /** How failed calls are retried (shared by every system the connector calls). */
    public record RetrySettings(int maxAttempts, Duration initialBackoff, Duration maxBackoff,
                                Duration defaultRetryAfter, Duration maxRetryAfter) {
    }

    private ConnectorSettings(Function<String, String> p) {
        String url = trim(p.apply("d365.url"));
        this.d365Url = url == null ? null : stripSlash(url);
        if (d365Url != null) {
            URI u = uri("d365.url", d365Url);
            if (!"https".equals(u.getScheme())) {
                throw new ConfigException("d365.url must be an https URL such as https://contoso.operations.dynamics.com (got " + d365Url + ")");
            }
            if (u.getPath() != null && u.getPath().endsWith("/data")) {
                throw new ConfigException("d365.url is the environment host without /data (the connector adds it): " + d365Url);
            }
        }
        this.tenantId = required(p, "d365.tenant-id");
        this.clientId = required(p, "d365.client-id");
        this.clientSecret = required(p, "d365.client-secret");
        this.authorityHost = stripSlash(or(p, "entra.authority-host", "https://login.microsoftonline.com"));
        if (d365Url != null && !"https".equals(uri("entra.authority-host", authorityHost).getScheme())) {
            throw new ConfigException("entra.authority-host must be an https URL (got " + authorityHost + ")");
        }
        String companies = or(p, "d365.legal-entities", "");
        this.legalEntities = Arrays.stream(companies.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s.toLowerCase(Locale.ROOT)).distinct().toList();
        for (String c : legalEntities) {
            if (!c.matches("[a-z0-9_]{1,8}")) {
                throw new ConfigException("d365.legal-entities: '" + c + "' is not a legal entity id (up to 8 letters or digits)");
            }
        }
        this.crossCompany = bool(p, "d365.cross-company", true);
        this.dimensionDelimiter = or(p, "d365.dimension-delimiter", "-");
        this.batchSize = integer(p, "sync.batch-size", 10_000, 1, 10_000);
        this.queueDepth = integer(p, "sync.queue-depth", 4, 1, 1_000);
        this.deliveryWaitMinutes = integer(p, "sync.delivery-wait-minutes", 60, 1, 24 * 60);
        this.tableWaitMinutes = integer(p, "sync.table-wait-minutes", 60, 0, 24 * 60);
        this.leaseSeconds = integer(p, "sync.lease-seconds", 60, 5, 3600);
        this.catchUpBatches = integer(p, "sync.catch-up-batches", 10, 0, 1000);
        this.requestTimeout = Duration.ofSeconds(integer(p, "d365.request-timeout-seconds", 120, 1, 600));
        this.maxConcurrentRequests = integer(p, "d365.max-concurrent-requests", 4, 1, 64);
        this.readPartitions = Math.min(maxConcurrentRequests, integer(p, "d365.read-partitions", 4, 1, 64));
        this.partitionMinRows = integer(p, "d365.partition-min-rows", 20_000, 1, 10_000_000);
        this.firstRequestTimeout = Duration.ofSeconds(integer(p, "d365.first-request-timeout-seconds", 300, 1, 900));
        this.landingJdbcUrl = or(p, "landing.jdbc-url", "jdbc:h2:file:./data/landing");
        if (!landingJdbcUrl.startsWith("jdbc:h2:") && !landingJdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new ConfigException("landing.jdbc-url: only H2 (jdbc:h2:...) and PostgreSQL (jdbc:postgresql:...) are supported, got "
                    + landingJdbcUrl.replaceAll("password=[^&;]*", "password=***"));
        }
        this.landingUsername = or(p, "landing.username", "");
        this.landingPassword = or(p, "landing.password", "");
        this.mappingsDir = or(p, "connector.mappings-dir", "mappings");
        this.retry = new RetrySettings(
                integer(p, "retry.max-attempts", 8, 1, 100),
                Duration.ofMillis(integer(p, "retry.initial-backoff-ms", 1000, 1, 600_000)),
                Duration.ofMillis(integer(p, "retry.max-backoff-ms", 60_000, 1, 3_600_000)),
                Duration.ofSeconds(integer(p, "retry.default-retry-after-seconds", 10, 0, 3600)),
                Duration.ofSeconds(integer(p, "retry.max-retry-after-seconds", 300, 1, 3600)));
    }

    public static ConnectorSettings from(Function<String, String> properties) {
        return new ConnectorSettings(properties);
    }

    /** True when no F&O is configured and the connector runs against its in-process emulators. */
    public boolean sandbox() {
        return d365Url == null;
    }

    private String required(Function<String, String> p, String key) {
        String v = trim(p.apply(key));
        if (v == null && d365Url != null) {
            throw new ConfigException(key + " is required when d365.url is set (see README, Configuration)");
        }
        return v;
    }




    private static URI uri(String key, String value) {
        try {
            URI u = URI.create(value);
            if (u.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + " is not a valid URL: " + value);
        }
    }


}
