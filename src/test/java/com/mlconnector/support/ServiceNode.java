package com.mlconnector.support;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;

import java.nio.file.Path;
import java.util.Properties;

/**
 * A node of the connector running as a service (its schedules on) in a JVM of its own, for the multi-node tests:
 * arguments are property=value pairs. Prints "NODE-READY <node id>" once started, then runs until killed.
 */
public final class ServiceNode {
    private ServiceNode() {
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        for (String a : args) {
            int eq = a.indexOf('=');
            p.setProperty(a.substring(0, eq), a.substring(eq + 1));
        }
        ConnectorRuntime rt = ConnectorRuntime.start(new RuntimeOptions(Path.of("."), p, true, null, null));
        System.out.println("NODE-READY " + rt.leases().owner());
        System.out.flush();
        rt.awaitShutdown();
    }
}
