package com.mlconnector.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.microsoft.aad.msal4j.MsalServiceException;
import com.mlconnector.config.ConnectorSettings.RetrySettings;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decides, for the Camel error handler shared by every route, whether a failed step is tried again and after
 * how long. 429 and 503 wait what Retry-After says (seconds or an HTTP date; capped by
 * {@code retry.max-retry-after-seconds}, {@code retry.default-retry-after-seconds} when absent); other 5xx,
 * timeouts, dropped connections and lost database connections back off exponentially; everything else
 * (a refused request, a malformed page, a foreign link) fails at once, since trying again cannot help.
 * <p>
 * Camel takes the delay from the {@code CamelRedeliveryDelay} header when set; it is set here on every retry, so
 * a Retry-After from an earlier failure never leaks into a later one.
 */
public final class RetryPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(RetryPolicy.class);

    /** What to do about one failure. {@code delay} is null when it is not retried. */
    public record Decision(Duration delay, String reason) {
        public boolean retry() {
            return delay != null;
        }
    }

    /** Exchange property: how many attempts of the current step failed (the audit trail records it). */
    public static final String FAILED_ATTEMPTS = "failedAttempts";

    private final RetrySettings settings;
    private final Clock clock;
    private final double timeScale;

    public RetryPolicy(RetrySettings settings, Clock clock) {
        this(settings, clock, 1.0);
    }

    /** @param timeScale the sandbox's time scale (its clock runs this much faster): waits shrink by as much */
    public RetryPolicy(RetrySettings settings, Clock clock, double timeScale) {
        this.settings = settings;
        this.clock = clock;
        this.timeScale = timeScale;
    }

    /** The route's {@code retryWhile}: true to try the failed step again, after the delay it puts in the header. */
    public boolean shouldRetry(Exchange exchange) {
        Throwable failure = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        // Camel counts the failure before it asks: the counter is the number of the attempt that just failed
        int attempt = Math.max(1, exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class));
        exchange.setProperty(FAILED_ATTEMPTS, attempt);
        EntitySync sync = exchange.getProperty(RunLedger.SYNC, EntitySync.class);
        if (failure == null || (sync != null && sync.isFailed())) {
            return false; // a step inside (a batch) has had its retries already
        }
        Decision d = decide(failure, attempt - 1);
        if (!d.retry()) {
            return false;
        }
        if (attempt >= settings.maxAttempts()) {
            LOG.warn("Giving up after {} attempts: {}", attempt, d.reason());
            return false;
        }
        exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, (long) (d.delay().toMillis() / timeScale));
        com.mlconnector.ops.ConnectorMetrics.retry(d.reason());
        LOG.warn("Attempt {} of {} failed ({}); trying again in {} ms", attempt, settings.maxAttempts(),
                d.reason(), d.delay().toMillis());
        return true;
    }

    /** Waits what a decision says (shortened by the sandbox's time scale), for code that retries a call itself. */
    public void pause(Decision d) throws InterruptedException {
        com.mlconnector.ops.ConnectorMetrics.retry(d.reason());
        Thread.sleep(Math.max(0, (long) (d.delay().toMillis() / timeScale)));
    }

    /** The exponential backoff (with jitter) after {@code retriesSoFar} retries, for code that retries by itself. */
    public Decision backoff(int retriesSoFar, String reason) {
        return new Decision(backoff(retriesSoFar), reason);
    }

    /**
     * Runs a call code makes by itself (outside a route's error handler), retrying what {@link #decide} says may be retried (429 and 503 after their Retry-After, other 5xx
     * and I/O failures with backoff), up to retry.max-attempts; anything else is thrown as it came.
     */
    public <T> T retrying(java.util.concurrent.Callable<T> call) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (Exception e) {
                Decision d = decide(e, attempt - 1);
                if (!d.retry() || attempt >= maxAttempts()) {
                    throw e;
                }
                pause(d);
            }
        }
    }

    public int maxAttempts() {
        return settings.maxAttempts();
    }

    public Decision decide(Throwable failure, int retriesSoFar) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpOperationFailedException h) {
                return forStatus(h.getStatusCode(), header(h.getResponseHeaders(), "Retry-After"), retriesSoFar);
            }
            if (t instanceof MsalServiceException m && m.statusCode() > 0) {
                return forStatus(m.statusCode(), header(m.headers(), "Retry-After"), retriesSoFar);
            }
            if (t instanceof JsonProcessingException) {
                return new Decision(null, "malformed response");
            }
            if (t instanceof IOException) {
                return new Decision(backoff(retriesSoFar), t.getClass().getSimpleName() + ": " + t.getMessage());
            }
            if (t instanceof SQLException s) {
                String state = s.getSQLState() == null ? "" : s.getSQLState();
                boolean transientFailure = state.startsWith("08") || state.startsWith("40") || state.startsWith("57P");
                return transientFailure ? new Decision(backoff(retriesSoFar), "database: " + s.getMessage())
                        : new Decision(null, "database: " + s.getMessage());
            }
        }
        return new Decision(null, failure.getClass().getSimpleName());
    }

    private Decision forStatus(int status, String retryAfter, int retriesSoFar) {
        if (status == 429 || status == 503) {
            Duration wait = retryAfter(retryAfter);
            if (wait.compareTo(settings.maxRetryAfter()) > 0) {
                wait = settings.maxRetryAfter();
            }
            return new Decision(wait, "HTTP " + status + ", Retry-After " + (retryAfter == null ? "absent" : retryAfter));
        }
        if (status == 500 || status == 502 || status == 504 || status == 408) {
            return new Decision(backoff(retriesSoFar), "HTTP " + status);
        }
        return new Decision(null, "HTTP " + status);
    }

    private Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return settings.defaultRetryAfter();
        }
        String v = value.trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime when = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), when.toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notADate) {
                return settings.defaultRetryAfter();
            }
        }
    }

    private Duration backoff(int retriesSoFar) {
        long base = settings.initialBackoff().toMillis() << Math.min(retriesSoFar, 20);
        long capped = Math.min(base, settings.maxBackoff().toMillis());
        long jitter = capped / 5 == 0 ? 0 : ThreadLocalRandom.current().nextLong(capped / 5);
        return Duration.ofMillis(capped + jitter);
    }

    private static String header(Map<String, ?> headers, String name) {
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, ?> e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
                Object v = e.getValue();
                if (v instanceof java.util.List<?> l) {
                    return l.isEmpty() ? null : String.valueOf(l.get(0));
                }
                return v == null ? null : v.toString();
            }
        }
        return null;
    }
}
