package com.mlconnector.routes;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The destinations' HTTP routes (routes/powerbi.yaml, databricks.yaml, tableau.yaml) run alone with camel-test-junit5:
 * their camel-http producer is replaced by a mock endpoint (AdviceWith), so what each would put on the wire is seen:
 * the call's own headers, the credential from its token step, and nothing of the exchange it came from.
 */
class DestinationHttpRoutesTest extends CamelTestSupport {
    @Override
    public boolean isUseAdviceWith() {
        return true;
    }

    /** A stand-in token step: the credential header the real one sets. */
    private static Processor token(String header, String value) {
        return e -> e.getMessage().setHeader(header, value);
    }

    /** Stands in for every bean the route files' other routes (deliver-<name>, replays, finish-<name>) call; none runs here. */
    public static final class Unused {
        public void write(Exchange e) { }
        public void finish(Exchange e) { }
        public void replay(Exchange e) { }
        public void onlyChanged(Exchange e) { }
        public void confirmed(Exchange e) { }
        public void dead(Exchange e) { }
        public void failed(Exchange e) { }
        public boolean shouldRetry(Exchange e) { return false; }
    }

    private MockEndpoint route(String file, String routeId, String httpEndpoint, String tokenBean, Processor token) throws Exception {
        // powerbi.yaml has two HTTP routes (Power BI's REST API, Fabric's): the one not under test gets a token step that sets nothing
        for (String other : file.equals("powerbi.yaml") ? new String[]{"powerBiToken", "fabricToken"} : new String[0]) {
            if (!other.equals(tokenBean)) {
                context.getRegistry().bind(other, (Processor) e -> { });
            }
        }
        context.getRegistry().bind(tokenBean, token);
        for (String bean : new String[]{"delivery", "retryPolicy", "changes", "powerbi", "databricks", "tableau", "runLedger"}) {
            context.getRegistry().bind(bean, new Unused());
        }
        PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.resolveMandatoryResource(context, "file:routes/error-handling.yaml"),
                ResourceHelper.resolveMandatoryResource(context, "file:routes/" + file));
        AdviceWith.adviceWith(context, routeId, a -> a.weaveByToUri(httpEndpoint + "*").replace().to("mock:wire"));
        context.start();
        return getMockEndpoint("mock:wire");
    }

    private Map<String, Object> send(String endpoint) {
        Exchange out = template.send(endpoint, e -> {
            e.getMessage().setHeader(Exchange.HTTP_METHOD, "POST");
            e.getMessage().setHeader(Exchange.HTTP_URI, "https://api.example.test/v1/things");
            e.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
            // what a run carries, which must never reach the service
            e.getMessage().setHeader("entity", "GeneralJournalAccountEntryBiEntities");
            e.getMessage().setHeader("destination", "powerbi");
            e.getMessage().setHeader("fullRead", true);
            e.getMessage().setBody("{}");
        });
        assertThat(out.getException()).isNull();
        return getMockEndpoint("mock:wire").getExchanges().get(0).getMessage().getHeaders();
    }

    @Test
    void powerBiCallsCarryTheirOwnHeadersAndTheBearerTokenOnly() throws Exception {
        MockEndpoint wire = route("powerbi.yaml", "powerbi-http", "https://powerbi-rest-api", "powerBiToken",
                token("Authorization", "Bearer t0ken"));
        wire.expectedMessageCount(1);
        Map<String, Object> headers = send("direct:powerbi-http");
        wire.assertIsSatisfied();
        assertThat(headers.keySet()).containsExactlyInAnyOrder(Exchange.HTTP_METHOD, Exchange.HTTP_URI, Exchange.CONTENT_TYPE,
                "Authorization");
        assertThat(headers).containsEntry("Authorization", "Bearer t0ken");
    }

    @Test
    void fabricCallsCarryTheirOwnHeadersAndTheirOwnTokenOnly() throws Exception {
        MockEndpoint wire = route("powerbi.yaml", "fabric-http", "https://fabric-rest-api", "fabricToken",
                token("Authorization", "Bearer fabric"));
        wire.expectedMessageCount(1);
        Map<String, Object> headers = send("direct:fabric-http");
        wire.assertIsSatisfied();
        assertThat(headers.keySet()).containsExactlyInAnyOrder(Exchange.HTTP_METHOD, Exchange.HTTP_URI, Exchange.CONTENT_TYPE,
                "Authorization");
        assertThat(headers).containsEntry("Authorization", "Bearer fabric");
    }

    @Test
    void databricksCallsCarryTheirOwnHeadersAndTheBearerTokenOnly() throws Exception {
        MockEndpoint wire = route("databricks.yaml", "databricks-http", "https://databricks-rest-api", "databricksToken",
                token("Authorization", "Bearer dbx"));
        wire.expectedMessageCount(1);
        Map<String, Object> headers = send("direct:databricks-http");
        wire.assertIsSatisfied();
        assertThat(headers.keySet()).containsExactlyInAnyOrder(Exchange.HTTP_METHOD, Exchange.HTTP_URI, Exchange.CONTENT_TYPE,
                "Authorization");
    }

    @Test
    void tableauCallsAskForJsonWithTheSessionTokenOnly() throws Exception {
        MockEndpoint wire = route("tableau.yaml", "tableau-http", "https://tableau-rest-api", "tableauToken",
                token("X-Tableau-Auth", "session"));
        wire.expectedMessageCount(1);
        Map<String, Object> headers = send("direct:tableau-http");
        wire.assertIsSatisfied();
        assertThat(headers.keySet()).containsExactlyInAnyOrder(Exchange.HTTP_METHOD, Exchange.HTTP_URI, Exchange.CONTENT_TYPE,
                "Accept", "X-Tableau-Auth");
        assertThat(headers).containsEntry("Accept", "application/json");
    }

    @Test
    void aJsonAnswerIsParsedInTheRouteAndAnyOtherGoesBackAsItIs() throws Exception {
        MockEndpoint wire = route("databricks.yaml", "databricks-http", "https://databricks-rest-api", "databricksToken",
                token("Authorization", "Bearer dbx"));
        java.util.Deque<Object[]> answers = new java.util.ArrayDeque<>(List.of(
                new Object[]{"application/json", "{\"statement_id\":\"s1\",\"status\":{\"state\":\"SUCCEEDED\"}}"},
                new Object[]{"application/json", ""},      // a HEAD, or an answer with no body
                new Object[]{"text/plain", "{not json}"},    // not JSON: left as it came
                new Object[]{"application/json; charset=utf-8", "  [1, 2]"}));
        wire.whenAnyExchangeReceived(e -> {
            Object[] a = answers.poll();
            e.getMessage().setHeader(Exchange.CONTENT_TYPE, a[0]);
            e.getMessage().setBody(a[1]);
        });
        java.util.function.Supplier<Object> call = () -> {
            Exchange out = template.send("direct:databricks-http", e -> e.getMessage().setBody("{}"));
            assertThat(out.getException()).isNull();
            return out.getMessage().getBody();
        };
        Object first = call.get();
        assertThat(first).isInstanceOf(com.fasterxml.jackson.databind.JsonNode.class);
        assertThat(((com.fasterxml.jackson.databind.JsonNode) first).path("status").path("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(call.get()).isEqualTo("");
        assertThat(call.get()).isEqualTo("{not json}");
        assertThat(call.get()).isInstanceOf(com.fasterxml.jackson.databind.node.ArrayNode.class);
    }
}
