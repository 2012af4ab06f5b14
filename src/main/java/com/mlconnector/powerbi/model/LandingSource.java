package com.mlconnector.powerbi.model;

import com.mlconnector.config.ConfigException;

import java.net.URI;

/**
 * Where Power BI reads the landing database from, for the model's partitions: the server and database of
 * landing.jdbc-url (or powerbi.source-server / powerbi.source-database, where Power BI reaches the database under
 * another name: a public host name, a gateway's view of it) and the schema the connector's tables are in.
 */
public record LandingSource(String server, String database, String schema) {

    /**
     * From landing.jdbc-url: {@code jdbc:postgresql://host[:port]/db[?currentSchema=s]}. An embedded H2 file is not a
     * database Power BI can reach: refused, naming what to do instead.
     */
    public static LandingSource of(String jdbcUrl, String serverOverride, String databaseOverride) {
        return of(jdbcUrl, serverOverride, databaseOverride, false);
    }

    /**
     * @param sandbox the sandbox's Power BI reaches its own H2 landing through a stand-in gateway, under the names
     *                powerbi.source-server and powerbi.source-database (which it then needs)
     */
    public static LandingSource of(String jdbcUrl, String serverOverride, String databaseOverride, boolean sandbox) {
        if (sandbox && jdbcUrl.startsWith("jdbc:h2:") && !blank(serverOverride) && !blank(databaseOverride)) {
            return new LandingSource(serverOverride.trim(), databaseOverride.trim(), "PUBLIC");
        }
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new ConfigException("powerbi.model=import needs a landing database Power BI can reach, and landing.jdbc-url is "
                    + (jdbcUrl.startsWith("jdbc:h2:") ? "an embedded H2 file" : "not PostgreSQL")
                    + ": use PostgreSQL (landing.jdbc-url=jdbc:postgresql://…), or powerbi.model=push");
        }
        URI u = URI.create(jdbcUrl.substring("jdbc:".length()));
        String server = u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
        String db = u.getPath() == null ? "" : u.getPath().replaceFirst("^/", "");
        String schema = "public";
        if (u.getRawQuery() != null) {
            for (String kv : u.getRawQuery().split("&")) {
                if (kv.startsWith("currentSchema=")) {
                    schema = java.net.URLDecoder.decode(kv.substring("currentSchema=".length()), java.nio.charset.StandardCharsets.UTF_8)
                            .split(",")[0];
                }
            }
        }
        return new LandingSource(blank(serverOverride) ? server : serverOverride.trim(),
                blank(databaseOverride) ? db : databaseOverride.trim(), schema);
    }

    /** The partition's source: an M expression reading the landing table (M strings in double quotes, quotes doubled). */
    public String mExpression(String table) {
        return String.join("\n",
                "let",
                "    Source = PostgreSQL.Database(" + m(server) + ", " + m(database) + "),",
                "    Rows = Source{[Schema=" + m(schema) + ", Item=" + m(table) + "]}[Data]",
                "in",
                "    Rows");
    }

    private static String m(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
