package com.mlconnector.powerbi;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.fno.ForeignHostException;
import com.mlconnector.http.RouteHttp;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Properties;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Power BI's calls go out through the route powerbi-http (routes/powerbi.yaml) and its camel-http producer: Hawtio
 * sees the endpoint and its statistics, only the call's own headers reach Power BI, and the token step serves
 * powerbi.api-url's host alone.
 */
class PowerBiRouteTest {
    @Test
    void powerBisCallsAreOneCamelHttpEndpointWithStatisticsAndOnlyTheirOwnHeaders() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("powerbi.enabled", "true");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("GLAccounts", "test");
            assertThat(rt.sandbox().powerBi().dataset("ml-connector").table("GLAccounts").count()).isEqualTo(150);

            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            Set<ObjectName> endpoints = jmx.queryNames(new ObjectName("org.apache.camel:type=endpoints,*"), null);
            assertThat(endpoints).as("the camel-http endpoint Hawtio lists").anySatisfy(n -> assertThat(n.toString())
                    .contains("https://powerbi-rest-api"));
            ObjectName route = jmx.queryNames(new ObjectName("org.apache.camel:type=routes,name=\"powerbi-http\",*"), null)
                    .iterator().next();
            long calls = (Long) jmx.getAttribute(route, "ExchangesCompleted");
            assertThat(calls).as("dataset, tables, rows: every call counted on the route").isGreaterThanOrEqualTo(3);

            // on the wire: the call's own headers and HTTP's, never the run's (entity, trigger, destination, Camel's)
            Set<String> seen = rt.sandbox().powerBi().headerNamesSeen();
            assertThat(seen).contains("authorization", "content-type");
            assertThat(seen).noneSatisfy(h -> assertThat(h).startsWith("camel"));
            assertThat(seen).doesNotContain("entity", "trigger", "destination", "fullread", "batchstarted");

            // the token step refuses any other host before a byte leaves
            RouteHttp http = new RouteHttp(rt.camelContext(), "direct:powerbi-http", "Power BI");
            assertThatThrownBy(() -> http.call("GET", "https://elsewhere.example.com/v1.0/myorg/groups", null, null))
                    .isInstanceOf(ForeignHostException.class).hasMessageContaining("powerbi.api-url");
        }
    }
}
