package com.mlconnector.tableau;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.fno.ForeignHostException;
import com.mlconnector.http.RouteHttp;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tableau's calls after sign-in go out through the route tableau-http (routes/tableau.yaml): the Accept header the
 * route sets is what makes Tableau answer JSON (the sandbox refuses anything else with 406), Hawtio sees the endpoint
 * and its statistics, and the session token goes to tableau.server-url's host alone.
 */
class TableauRouteTest {
    @Test
    void tableausCallsAreOneCamelHttpEndpointAndTheRoutesHeadersReachTableau() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("tableau.enabled", "true");
        p.setProperty("tableau.poll-initial-seconds", "0.2");
        p.setProperty("tableau.poll-max-seconds", "0.5");
        p.setProperty("sandbox.tableau.job-seconds", "1");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("GLAccounts", "test");
            assertThat(TestConnector.query(rt, "SELECT status FROM batch_audit WHERE destination = 'tableau' AND kind = 'REFRESH'"))
                    .as("the extract refresh asked and followed to success through the route")
                    .extracting(r -> r.get("STATUS")).containsExactly("CONFIRMED");

            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            assertThat(jmx.queryNames(new ObjectName("org.apache.camel:type=endpoints,*"), null))
                    .anySatisfy(n -> assertThat(n.toString()).contains("https://tableau-rest-api"));
            ObjectName route = jmx.queryNames(new ObjectName("org.apache.camel:type=routes,name=\"tableau-http\",*"), null)
                    .iterator().next();
            assertThat((Long) jmx.getAttribute(route, "ExchangesCompleted")).as("refresh asked, job polled")
                    .isGreaterThanOrEqualTo(2);

            RouteHttp http = new RouteHttp(rt.camelContext(), "direct:tableau-http", "Tableau");
            assertThatThrownBy(() -> http.call("GET", "https://elsewhere.example.com/api/3.24/sites", null, null))
                    .isInstanceOf(ForeignHostException.class).hasMessageContaining("tableau.server-url");
        }
    }
}
