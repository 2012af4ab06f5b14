package com.mlconnector.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;

/**
 * Calls one service through its route ({@code direct:<service>-http} in the service's route file): the route's
 * {@link BearerToken} step sets the credential (only for the service's own host), the route filters the headers that
 * are not meant for the wire and its camel-http producer makes the call, with the timeouts set there. Here: the
 * request as headers and body, a 401 answered by renewing the credential once, and the answer as text. A refusal
 * comes back as camel-http's {@link HttpOperationFailedException} (status, Retry-After and the other headers, the
 * body), which the shared retry policy reads.
 */
public final class RouteHttp {
    private static final Logger LOG = LoggerFactory.getLogger(RouteHttp.class);
    /** Exchange property: the credential a first attempt was refused with (the token step renews it). */
    public static final String REJECTED = "connectorRejectedToken";
    /** Exchange property: the credential the token step set (read back when the service answers 401). */
    public static final String USED = "connectorUsedToken";

    private final String endpoint;
    private final String service;
    private final ProducerOnDemand producer;

    /** @param endpoint the service's route, {@code direct:powerbi-http} */
    public RouteHttp(CamelContext camel, String endpoint, String service) {
        this.producer = new ProducerOnDemand(camel);
        this.endpoint = endpoint;
        this.service = service;
    }

    /** Sends the request; returns the body of a 2xx answer as text (empty when there is none). */
    public String call(String method, String url, String contentType, byte[] body) throws IOException, HttpOperationFailedException {
        Object answer = answer(method, url, contentType, body);
        return answer == null ? "" : answer.toString();
    }

    /**
     * Sends the request; returns the JSON answer as its route parsed it (camel-jackson), an empty object when the
     * answer has no body; an answer that is not JSON is an error naming what came.
     */
    public JsonNode json(String method, String url, String contentType, byte[] body) throws IOException, HttpOperationFailedException {
        Object answer = answer(method, url, contentType, body);
        if (answer instanceof JsonNode node) {
            return node;
        }
        if (answer == null || answer.toString().isBlank()) {
            return JsonNodeFactory.instance.objectNode();
        }
        throw new IOException(service + " answered " + URI.create(url).getPath() + " with something other than JSON ("
                + answer.toString().length() + " characters)");
    }

    /** A 2xx answer whole: its status, the headers a caller follows (Location, x-ms-operation-id, Retry-After), its JSON. */
    public record Answer(int status, java.util.Map<String, String> headers, JsonNode json) {
        /** A header's value, or null (names compared without case). */
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(java.util.Map.Entry::getValue)
                    .findFirst().orElse(null);
        }
    }

    /** Sends the request; returns a 2xx answer with its status and headers (an answer that follows up: 202 + Location). */
    public Answer answer(String method, String url, String contentType, byte[] body, java.util.List<String> headerNames)
            throws IOException, HttpOperationFailedException {
        Exchange done = exchange(method, url, contentType, body);
        Object answer = done.getMessage().getBody();
        java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (String h : headerNames) {
            String v = done.getMessage().getHeader(h, String.class);
            if (v != null) {
                headers.put(h, v);
            }
        }
        Integer status = done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        JsonNode json = answer instanceof JsonNode node ? node : JsonNodeFactory.instance.objectNode();
        return new Answer(status == null ? 200 : status, headers, json);
    }

    /** The body of a 2xx answer: a JsonNode when the route parsed JSON, else text; null when there is none. */
    private Object answer(String method, String url, String contentType, byte[] body) throws IOException, HttpOperationFailedException {
        Exchange done = exchange(method, url, contentType, body);
        Object answer = done.getMessage().getBody();
        return answer instanceof JsonNode ? answer : done.getMessage().getBody(String.class);
    }

    /** The exchange of a 2xx answer (a 401 renewed once); a refusal thrown as it came. */
    private Exchange exchange(String method, String url, String contentType, byte[] body) throws IOException, HttpOperationFailedException {
        Exchange done = send(method, url, contentType, body, null);
        Throwable failure = done.getException();
        if (failure instanceof HttpOperationFailedException h && h.getStatusCode() == 401) {
            com.mlconnector.ops.ConnectorMetrics.httpStatus(service, 401);
            LOG.info("{} answered 401 for {}: renewing the credential and trying once more", service, URI.create(url).getPath());
            done = send(method, url, contentType, body, done.getProperty(USED, String.class));
            failure = done.getException();
        }
        if (failure instanceof HttpOperationFailedException h) {
            com.mlconnector.ops.ConnectorMetrics.httpStatus(service, h.getStatusCode());
            throw h;
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure != null) {
            throw new IOException(service + ": " + failure.getMessage(), failure);
        }
        Integer status = done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        com.mlconnector.ops.ConnectorMetrics.httpStatus(service, status == null ? 200 : status);
        return done;
    }

    private Exchange send(String method, String url, String contentType, byte[] body, String rejected) {
        return producer.get().send(endpoint, e -> {
            e.getMessage().setHeader(Exchange.HTTP_METHOD, method);
            e.getMessage().setHeader(Exchange.HTTP_URI, url);
            if (contentType != null) {
                e.getMessage().setHeader(Exchange.CONTENT_TYPE, contentType);
            }
            e.getMessage().setBody(body);
            if (rejected != null) {
                e.setProperty(REJECTED, rejected);
            }
        });
    }
}
