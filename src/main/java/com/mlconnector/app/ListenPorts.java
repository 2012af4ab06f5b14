package com.mlconnector.app;

import com.mlconnector.config.ConfigException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.function.Function;

/**
 * The ports the connector listens on (camel.server.* for the status page, business events and Tableau webhooks;
 * camel.management.* for health, metrics and Jolokia) are tried before Camel starts its servers: Camel's Vert.x server
 * only logs a WARN when its port is taken and the service runs on without it, so an orchestrator's probes fail and it
 * restarts the pod for ever with nothing naming the property. Here start-up stops instead, in one line.
 */
final class ListenPorts {
    private ListenPorts() {
    }

    static void check(Function<String, String> props) {
        check(props, "camel.server", "the status page, business events and Tableau webhooks");
        check(props, "camel.management", "health, metrics and Jolokia");
    }

    private static void check(Function<String, String> props, String prefix, String serves) {
        if (!Boolean.parseBoolean(or(props.apply(prefix + ".enabled"), "false"))) {
            return;
        }
        String host = or(props.apply(prefix + ".host"), "0.0.0.0");
        String text = or(props.apply(prefix + ".port"), "");
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(prefix + ".port must be a port number (0 to 65535), got '" + text + "'");
        }
        if (port < 0 || port > 65_535) {
            throw new ConfigException(prefix + ".port must be a port number (0 to 65535), got " + port);
        }
        if (port == 0) {
            return; // any free port
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new ConfigException(prefix + ".port=" + port + ": " + host + ":" + port + " cannot be listened on ("
                    + e.getMessage() + "; another process holds it?), so " + serves + " would not be served; free the port or "
                    + "choose another (" + prefix + ".port, " + prefix + ".host)");
        }
    }

    private static String or(String v, String fallback) {
        return v == null || v.isBlank() ? fallback : v.trim();
    }
}
