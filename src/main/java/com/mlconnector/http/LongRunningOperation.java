package com.mlconnector.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Follows a Fabric long-running operation to its end (api-facts.md, "Long-running operations"): an answer of 200 or 201
 * is done; 202 gives {@code Location} (or {@code x-ms-operation-id}) and {@code Retry-After}; the operation is asked
 * again no sooner than its Retry-After until {@code Succeeded} (then its result, where the answer points to one) or
 * {@code Failed} / {@code Undefined} (an error naming what failed), within a deadline.
 */
public final class LongRunningOperation {
    /** The headers an answer that starts or reports an operation carries. */
    public static final List<String> HEADERS = List.of("Location", "x-ms-operation-id", "Retry-After");
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(1);
    private static final Duration MAX_WAIT = Duration.ofSeconds(30);

    private final RouteHttp http;
    private final String apiUrl;
    private final PacingClock clock;

    /** @param apiUrl the API root (https://api.fabric.microsoft.com/v1): where an operation is found by its id */
    public LongRunningOperation(RouteHttp http, String apiUrl, PacingClock clock) {
        this.http = http;
        this.apiUrl = apiUrl;
        this.clock = clock;
    }

    /** The operation's result (an empty object when it has none), once it succeeded; {@code what} names it in errors. */
    public JsonNode follow(RouteHttp.Answer started, Duration timeout, String what) throws Exception {
        if (started.status() != 202) {
            return started.json();
        }
        String location = started.header("Location");
        if (location == null) {
            String id = started.header("x-ms-operation-id");
            if (id == null) {
                throw new IllegalStateException(what + ": the answer 202 names no operation (no Location, no x-ms-operation-id)");
            }
            location = apiUrl + "/operations/" + id;
        }
        Instant deadline = clock.now().plus(timeout);
        Duration wait = retryAfter(started, DEFAULT_WAIT);
        while (true) {
            if (clock.now().plus(wait).isAfter(deadline)) {
                throw new IllegalStateException(what + " did not end within " + timeout.toSeconds() + " s; it may still finish");
            }
            clock.sleep(wait);
            RouteHttp.Answer a = http.answer("GET", location, null, null, HEADERS);
            String status = a.json().path("status").asText("");
            switch (status) {
                case "Succeeded" -> {
                    String result = a.header("Location");
                    return result == null ? JsonNodeFactory.instance.objectNode() : http.json("GET", result, null, null);
                }
                case "Failed", "Undefined" -> throw new IllegalStateException(what + " ended " + status + ": "
                        + a.json().path("error").path("errorCode").asText("") + " " + a.json().path("error").path("message").asText(""));
                default -> wait = retryAfter(a, wait); // NotStarted, Running
            }
        }
    }

    private static Duration retryAfter(RouteHttp.Answer a, Duration otherwise) {
        String v = a.header("Retry-After");
        if (v != null) {
            try {
                long s = Long.parseLong(v.trim());
                return Duration.ofSeconds(Math.max(0, Math.min(s, MAX_WAIT.toSeconds())));
            } catch (NumberFormatException ignored) {
                // an HTTP date: wait as before
            }
        }
        return otherwise;
    }
}
