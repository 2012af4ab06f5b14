package com.mlconnector.powerbi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mlconnector.config.ConfigException;
import com.mlconnector.http.RouteHttp;
import org.apache.camel.http.base.HttpOperationFailedException;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The Power BI REST calls the destination makes, in one workspace: the URLs and bodies are built here, and each call
 * goes out through the route powerbi-http (routes/powerbi.yaml), which sets the token and makes it with camel-http.
 */
public final class PowerBiClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String JSON_TYPE = "application/json";

    private final RouteHttp http;
    private final String groupUrl;
    private final String workspace;
    private final String apiUrl;

    public PowerBiClient(PowerBiSettings s, RouteHttp http) {
        this.http = http;
        this.workspace = s.workspaceId;
        this.apiUrl = s.apiUrl;
        this.groupUrl = s.apiUrl + "/groups/" + enc(s.workspaceId);
    }

    /** The id of the push dataset with this name in the workspace, or null. */
    public String findDataset(String name) throws IOException, HttpOperationFailedException {
        JsonNode list = workspaceCall("GET", groupUrl + "/datasets", null);
        for (JsonNode d : list.path("value")) {
            if (name.equals(d.path("name").asText())) {
                return d.path("id").asText();
            }
        }
        return null;
    }

    public String createDataset(String name, String retention, String tablesJson) throws IOException, HttpOperationFailedException {
        String body = "{\"name\":" + JSON.writeValueAsString(name) + ",\"defaultMode\":\"Push\",\"tables\":" + tablesJson + "}";
        JsonNode created = workspaceCall("POST", groupUrl + "/datasets?defaultRetentionPolicy=" + enc(retention), body);
        return created.path("id").asText();
    }

    public void putTable(String datasetId, String table, String schemaJson) throws IOException, HttpOperationFailedException {
        http.call("PUT", tableUrl(datasetId, table), JSON_TYPE, bytes(schemaJson));
    }

    public void postRows(String datasetId, String table, byte[] body) throws IOException, HttpOperationFailedException {
        http.call("POST", tableUrl(datasetId, table) + "/rows", JSON_TYPE, body);
    }

    public void deleteRows(String datasetId, String table) throws IOException, HttpOperationFailedException {
        http.call("DELETE", tableUrl(datasetId, table) + "/rows", null, null);
    }

    public void startRefresh(String datasetId) throws IOException, HttpOperationFailedException {
        http.call("POST", groupUrl + "/datasets/" + enc(datasetId) + "/refreshes", JSON_TYPE, bytes("{\"notifyOption\":\"NoNotification\"}"));
    }

    /** The datasets (semantic models) of the workspace, as Power BI lists them: id, name, addRowsAPIEnabled (push). */
    public JsonNode datasets() throws IOException, HttpOperationFailedException {
        return workspaceCall("GET", groupUrl + "/datasets", null).path("value");
    }

    /**
     * Asks a refresh with these parameters (enhanced when any besides notifyOption); the answer's Location names it
     * (.../refreshes/{id}).
     */
    public RouteHttp.Answer askRefresh(String datasetId, String jsonBody) throws IOException, HttpOperationFailedException {
        return http.answer("POST", groupUrl + "/datasets/" + enc(datasetId) + "/refreshes", JSON_TYPE, bytes(jsonBody),
                java.util.List.of("Location", "RequestId", "x-ms-request-id"));
    }

    /** One refresh: 202 while it runs, 200 with its end (status, extendedStatus, objects, messages). */
    public RouteHttp.Answer refresh(String datasetId, String requestId) throws IOException, HttpOperationFailedException {
        return http.answer("GET", groupUrl + "/datasets/" + enc(datasetId) + "/refreshes/" + enc(requestId), null, null,
                java.util.List.of());
    }

    /** The model's refresh history, newest first (at most {@code top}). */
    public JsonNode refreshes(String datasetId, int top) throws IOException, HttpOperationFailedException {
        return http.json("GET", groupUrl + "/datasets/" + enc(datasetId) + "/refreshes?$top=" + top, null, null).path("value");
    }

    /** One DAX query against the model; its first table's rows. */
    public JsonNode executeQuery(String datasetId, String dax) throws IOException, HttpOperationFailedException {
        String body = "{\"queries\":[{\"query\":" + JSON.writeValueAsString(dax) + "}],\"serializerSettings\":{\"includeNulls\":true}}";
        return http.json("POST", groupUrl + "/datasets/" + enc(datasetId) + "/executeQueries", JSON_TYPE, bytes(body))
                .path("results").path(0).path("tables").path(0).path("rows");
    }

    /** The caller becomes the model's owner (needed to set a cloud data source's credentials). */
    public void takeOver(String datasetId) throws IOException, HttpOperationFailedException {
        http.call("POST", groupUrl + "/datasets/" + enc(datasetId) + "/Default.TakeOver", JSON_TYPE, bytes("{}"));
    }

    /** The model's data sources: datasourceId, gatewayId, connectionDetails. */
    public JsonNode datasources(String datasetId) throws IOException, HttpOperationFailedException {
        return http.json("GET", groupUrl + "/datasets/" + enc(datasetId) + "/datasources", null, null).path("value");
    }

    /** Sets a data source's credentials ({@code PATCH /gateways/{gatewayId}/datasources/{datasourceId}}). */
    public void updateDatasource(String gatewayId, String datasourceId, String jsonBody) throws IOException, HttpOperationFailedException {
        http.call("PATCH", apiUrl + "/gateways/" + enc(gatewayId) + "/datasources/" + enc(datasourceId), JSON_TYPE, bytes(jsonBody));
    }

    /** The status of the newest refresh: Unknown (running), Completed, Failed, Disabled or Cancelled. */
    public JsonNode latestRefresh(String datasetId) throws IOException, HttpOperationFailedException {
        JsonNode list = http.json("GET", groupUrl + "/datasets/" + enc(datasetId) + "/refreshes?$top=1", null, null);
        return list.path("value").path(0);
    }

    /** A call on the workspace itself: a refusal there is almost always the tenant setting or the membership. */
    private JsonNode workspaceCall(String method, String url, String jsonBody) throws IOException, HttpOperationFailedException {
        try {
            return http.json(method, url, jsonBody == null ? null : JSON_TYPE, jsonBody == null ? null : bytes(jsonBody));
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

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
