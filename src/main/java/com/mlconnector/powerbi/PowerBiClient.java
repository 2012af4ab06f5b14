package com.mlconnector.powerbi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mlconnector.config.ConfigException;
import com.mlconnector.entra.EntraTokenProvider;
import com.mlconnector.http.BearerHttp;
import org.apache.camel.http.base.HttpOperationFailedException;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The Power BI REST calls the destination makes, in one workspace. */
public final class PowerBiClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BearerHttp http;
    private final String groupUrl;
    private final String workspace;

    public PowerBiClient(PowerBiSettings s, EntraTokenProvider tokens, SSLContext ssl) {
        this.http = new BearerHttp("Power BI", "powerbi.api-url", URI.create(s.apiUrl), tokens.forScope(PowerBiSettings.SCOPE), ssl);
        this.workspace = s.workspaceId;
        this.groupUrl = s.apiUrl + "/groups/" + enc(s.workspaceId);
    }

    /** The id of the push dataset with this name in the workspace, or null. */
    public String findDataset(String name) throws IOException, HttpOperationFailedException {
        JsonNode list = JSON.readTree(workspaceCall(HttpRequest.newBuilder(URI.create(groupUrl + "/datasets")).GET()));
        for (JsonNode d : list.path("value")) {
            if (name.equals(d.path("name").asText())) {
                return d.path("id").asText();
            }
        }
        return null;
    }

    public String createDataset(String name, String retention, String tablesJson) throws IOException, HttpOperationFailedException {
        String body = "{\"name\":" + JSON.writeValueAsString(name) + ",\"defaultMode\":\"Push\",\"tables\":" + tablesJson + "}";
        JsonNode created = JSON.readTree(workspaceCall(json(HttpRequest.newBuilder(URI.create(groupUrl
                + "/datasets?defaultRetentionPolicy=" + enc(retention))), "POST", body)));
        return created.path("id").asText();
    }

    public void putTable(String datasetId, String table, String schemaJson) throws IOException, HttpOperationFailedException {
        http.sendForText(json(HttpRequest.newBuilder(URI.create(tableUrl(datasetId, table))), "PUT", schemaJson));
    }

    public void postRows(String datasetId, String table, byte[] body) throws IOException, HttpOperationFailedException {
        http.sendForText(HttpRequest.newBuilder(URI.create(tableUrl(datasetId, table) + "/rows"))
                .timeout(Duration.ofMinutes(2)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    public void deleteRows(String datasetId, String table) throws IOException, HttpOperationFailedException {
        http.sendForText(HttpRequest.newBuilder(URI.create(tableUrl(datasetId, table) + "/rows")).DELETE());
    }

    public void startRefresh(String datasetId) throws IOException, HttpOperationFailedException {
        http.sendForText(json(HttpRequest.newBuilder(URI.create(groupUrl + "/datasets/" + enc(datasetId) + "/refreshes")),
                "POST", "{\"notifyOption\":\"NoNotification\"}"));
    }

    /** The status of the newest refresh: Unknown (running), Completed, Failed, Disabled or Cancelled. */
    public JsonNode latestRefresh(String datasetId) throws IOException, HttpOperationFailedException {
        JsonNode list = JSON.readTree(http.sendForText(HttpRequest.newBuilder(URI.create(groupUrl + "/datasets/"
                + enc(datasetId) + "/refreshes?$top=1")).GET()));
        return list.path("value").path(0);
    }

    /** A call on the workspace itself: a refusal there is almost always the tenant setting or the membership. */
    private String workspaceCall(HttpRequest.Builder request) throws IOException, HttpOperationFailedException {
        try {
            return http.sendForText(request);
        } catch (HttpOperationFailedException e) {
            if (e.getStatusCode() == 401 || e.getStatusCode() == 403 || e.getStatusCode() == 404) {
                throw new ConfigException("Power BI refused workspace " + workspace + " (HTTP " + e.getStatusCode() + "). "
                        + "A tenant admin must enable 'Allow service principals to use Power BI APIs' (Admin portal > Tenant "
                        + "settings > Developer settings) for this app, and the service principal must be a Member or "
                        + "Contributor of the workspace (powerbi.workspace-id). Power BI said: " + e.getResponseBody());
            }
            throw e;
        }
    }

    private String tableUrl(String datasetId, String table) {
        return groupUrl + "/datasets/" + enc(datasetId) + "/tables/" + enc(table);
    }

    private static HttpRequest.Builder json(HttpRequest.Builder b, String method, String body) {
        return b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
