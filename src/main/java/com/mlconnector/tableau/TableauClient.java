package com.mlconnector.tableau;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mlconnector.http.RouteHttp;
import org.apache.camel.http.base.HttpOperationFailedException;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The Tableau REST API calls the connector makes (JSON), on the shared session, out through the route tableau-http
 * (routes/tableau.yaml, camel-http): a 401 signs in again once and the call is repeated; the session token goes to
 * the configured server only.
 */
public final class TableauClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One extract-refresh job as Tableau reports it; {@code completedAt} null while it runs. */
    public record Job(String id, Instant createdAt, Instant completedAt, Integer finishCode, int progress, String notes) {
        public boolean done() {
            return completedAt != null;
        }
    }

    private final TableauSettings settings;
    private final TableauSession session;
    private final RouteHttp http;

    public TableauClient(TableauSettings settings, TableauSession session, RouteHttp http) {
        this.settings = settings;
        this.session = session;
        this.http = http;
    }

    public TableauSession session() {
        return session;
    }

    /** Asks for an extract refresh of a data source now; Tableau answers with the job that will run it. */
    public Job startRefresh(String datasourceId) throws IOException, HttpOperationFailedException {
        // an empty JSON request: a full refresh (extractRefresh/incremental needs 3.25+ and an incremental extract)
        JsonNode job = call("POST", site("datasources/" + enc(datasourceId) + "/refresh"), "{}").path("job");
        return job(job);
    }

    public Job job(String jobId) throws IOException, HttpOperationFailedException {
        return job(call("GET", site("jobs/" + enc(jobId)), null).path("job"));
    }

    /** The data source's name (also proves it exists and the session may see it). */
    public String datasourceName(String datasourceId) throws IOException, HttpOperationFailedException {
        return call("GET", site("datasources/" + enc(datasourceId)), null).path("datasource").path("name").asText("");
    }

    private String site(String path) {
        return settings.apiBase() + "sites/" + session.siteId() + "/" + path;
    }

    private JsonNode call(String method, String url, String jsonBody) throws IOException, HttpOperationFailedException {
        return http.json(method, url, jsonBody == null ? null : "application/json",
                jsonBody == null ? null : jsonBody.getBytes(StandardCharsets.UTF_8));
    }

    private static Job job(JsonNode j) throws IOException {
        String id = j.path("id").asText(null);
        if (id == null) {
            throw new IOException("Tableau's answer has no job id: " + j);
        }
        StringBuilder notes = new StringBuilder();
        JsonNode list = j.path("statusNotes").path("statusNote");
        for (JsonNode n : list.isArray() ? list : JSON.createArrayNode().add(list)) {
            String text = n.path("text").asText(n.path("value").asText(""));
            if (!text.isEmpty()) {
                notes.append(notes.length() == 0 ? "" : "; ").append(text);
            }
        }
        // XML attributes come over JSON as strings ("finishCode": "0"); take either form
        return new Job(id, instant(j.path("createdAt")), instant(j.path("completedAt")),
                j.hasNonNull("finishCode") ? Integer.valueOf(j.path("finishCode").asText().trim()) : null,
                j.path("progress").asInt(0), notes.toString());
    }

    private static Instant instant(JsonNode n) {
        return n.isMissingNode() || n.isNull() || n.asText().isBlank() ? null : Instant.parse(n.asText());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
