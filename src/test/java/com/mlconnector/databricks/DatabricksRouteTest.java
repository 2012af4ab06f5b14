package com.mlconnector.databricks;

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
 * Databricks' calls go out through the route databricks-http (routes/databricks.yaml): every statement is one exchange
 * of that route (Hawtio's statistics match the warehouse's count of submissions), and the token step serves
 * databricks.host alone.
 */
class DatabricksRouteTest {
    @Test
    void databricksCallsAreOneCamelHttpEndpointWhoseStatisticsCountEveryCall() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("databricks.enabled", "true");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            rt.syncNow("GLAccounts", "test");
            assertThat(rt.sandbox().databricks().query("SELECT COUNT(*) AS N FROM \"GLAccounts\"").get(0).get("N")).isEqualTo(150L);

            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            assertThat(jmx.queryNames(new ObjectName("org.apache.camel:type=endpoints,*"), null))
                    .anySatisfy(n -> assertThat(n.toString()).contains("https://databricks-rest-api"));
            ObjectName route = jmx.queryNames(new ObjectName("org.apache.camel:type=routes,name=\"databricks-http\",*"), null)
                    .iterator().next();
            long calls = (Long) jmx.getAttribute(route, "ExchangesCompleted");
            assertThat(calls).as("at least one exchange per statement the warehouse received")
                    .isGreaterThanOrEqualTo(rt.sandbox().databricks().statements());

            RouteHttp http = new RouteHttp(rt.camelContext(), "direct:databricks-http", "Databricks");
            assertThatThrownBy(() -> http.call("GET", "https://elsewhere.example.com/api/2.0/sql/statements/1", null, null))
                    .isInstanceOf(ForeignHostException.class).hasMessageContaining("databricks.host");
        }
    }
}
