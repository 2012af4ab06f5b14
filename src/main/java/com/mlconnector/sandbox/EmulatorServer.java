package com.mlconnector.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** An HTTPS server on loopback for one emulated system, on the JDK's built-in server. */
abstract class EmulatorServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmulatorServer.class);

    private final HttpsServer server;
    private final ExecutorService executor;

    EmulatorServer(int port) {
        try {
            server = HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 64);
            server.setHttpsConfigurator(new HttpsConfigurator(SandboxTls.serverContext()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the " + getClass().getSimpleName() + " on port " + port, e);
        }
        executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, getClass().getSimpleName().toLowerCase());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::dispatch);
    }

    private void dispatch(HttpExchange exchange) {
        try (exchange) {
            handle(exchange);
        } catch (IOException e) {
            LOG.debug("{}: client went away: {}", getClass().getSimpleName(), e.toString());
        } catch (RuntimeException e) {
            LOG.error("{} failed on {}", getClass().getSimpleName(), exchange.getRequestURI(), e);
            try {
                sendJson(exchange, 500, "{\"error\":{\"code\":\"\",\"message\":\"An error has occurred.\"}}");
            } catch (IOException ignored) {
                // the response had already started
            }
        }
    }

    protected abstract void handle(HttpExchange exchange) throws IOException;

    void start() {
        server.start();
    }

    /** The base URL, https://127.0.0.1:port. */
    public String baseUrl() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    static void sendJson(HttpExchange exchange, int status, String body) throws IOException {
        send(exchange, status, "application/json; odata.metadata=minimal", body);
    }

    static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Query or form parameters, decoded; a repeated name keeps its first value. */
    static Map<String, String> params(String raw) {
        Map<String, String> map = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return map;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            map.putIfAbsent(k, v);
        }
        return map;
    }

    static String odataError(String message) {
        return "{\"error\":{\"code\":\"\",\"message\":" + quote(message) + "}}";
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

}
