package com.mlconnector.app;

import com.mlconnector.config.ConfigException;
import com.mlconnector.config.ConnectorSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Decides whether the connector runs its sandbox, and keeps the sandbox away from real systems. An empty
 * {@code d365.url} used to mean "sandbox" silently: a lost D365_URL then wrote synthetic rows into a real landing
 * database. Now, with {@code d365.url} empty, start-up refuses when anything points at a real system (a landing
 * database other than the default file, a Power BI workspace, a Databricks host, a Tableau server, a business-event
 * secret), unless the sandbox is asked for on purpose ({@code --sandbox}, {@code connector.sandbox=true}); and the
 * sandbox always lands in a database of its own ({@code sandbox.landing.jdbc-url}, default ./data/sandbox/landing).
 */
final class SandboxGuard {
    static final String DEFAULT_LANDING = "jdbc:h2:file:./data/landing";
    static final String SANDBOX_LANDING = "jdbc:h2:file:./data/sandbox/landing";
    /** Settings that point at a real system, and the value that does not. */
    private static final List<String> LIVE = List.of("powerbi.workspace-id", "databricks.host", "tableau.server-url", "events.secret");

    private SandboxGuard() {
    }

    /**
     * True when the sandbox runs: asked for on purpose, or d365.url empty and nothing real configured.
     *
     * @throws ConfigException d365.url is empty while real systems are configured (exit 2, naming d365.url)
     */
    static boolean sandbox(ConnectorSettings configured, Function<String, String> props) {
        boolean onPurpose = "true".equalsIgnoreCase(trim(props.apply("connector.sandbox")));
        if (onPurpose) {
            return true;
        }
        if (!configured.sandbox()) {
            return false;
        }
        List<String> live = new ArrayList<>();
        String landing = trim(props.apply("landing.jdbc-url"));
        if (landing != null && !landing.equals(DEFAULT_LANDING)) {
            live.add("landing.jdbc-url");
        }
        for (String key : LIVE) {
            if (trim(props.apply(key)) != null) {
                live.add(key);
            }
        }
        if (!live.isEmpty()) {
            throw new ConfigException("d365.url is empty (is D365_URL set?), so the connector would run its sandbox, but "
                    + String.join(", ", live) + (live.size() == 1 ? " points" : " point") + " at a real system. Set d365.url to read "
                    + "F&O, or start the sandbox on purpose with --sandbox (connector.sandbox=true); the sandbox writes only to "
                    + "its own database (sandbox.landing.jdbc-url), never to landing.jdbc-url");
        }
        return true;
    }

    /** The sandbox's own landing database, in place of any configured one. */
    static Map<String, String> sandboxLanding(Function<String, String> props) {
        String url = trim(props.apply("sandbox.landing.jdbc-url"));
        String user = trim(props.apply("sandbox.landing.username"));
        String password = trim(props.apply("sandbox.landing.password"));
        return Map.of("landing.jdbc-url", url == null ? SANDBOX_LANDING : url,
                "landing.username", user == null ? "" : user,
                "landing.password", password == null ? "" : password);
    }

    private static String trim(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
