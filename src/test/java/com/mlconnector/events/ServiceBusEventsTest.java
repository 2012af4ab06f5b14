package com.mlconnector.events;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.support.LogCapture;
import com.mlconnector.support.TestConnector;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;

import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Service Bus route, where configured: made from its template with the queue and connection string, and what it
 * does with a message. No Service Bus can be reached here, so the route's source is swapped for a direct endpoint
 * (the Azure consumer itself is Camel's); the storing, duplicates and refusals are the connector's.
 */
class ServiceBusEventsTest {
    private static final String KEY = "c2VjcmV0LWtleS1ub3QtcmVhbA==";

    @Test
    void aQueueMessageIsStoredLikeAnHttpsDeliveryAndTheConnectionStringStaysOutOfTheLog() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("events.enabled", "true");
        p.setProperty("events.secret", "events-secret-0123456789abcdef");
        p.setProperty("events.coalesce-ms", "600000");
        p.setProperty("events.servicebus.queue", "fno-business-events");
        p.setProperty("events.servicebus.connection-string",
                "Endpoint=sb://127.0.0.1:1/;SharedAccessKeyName=listen;SharedAccessKey=" + KEY);
        try (LogCapture log = LogCapture.start(); ConnectorRuntime rt = TestConnector.start(p)) {
            assertThat(rt.camelContext().getRoute("business-event-servicebus").getEndpoint().getEndpointUri())
                    .startsWith("azure-servicebus://fno-business-events");
            AdviceWith.adviceWith(rt.camelContext(), "business-event-servicebus", a -> a.replaceFromWith("direct:servicebus-test"));
            ProducerTemplate pt = rt.camelContext().createProducerTemplate();
            String id = UUID.randomUUID().toString();
            String event = "{\"BusinessEventId\":\"PurchaseOrderConfirmedBusinessEvent\",\"BusinessEventLegalEntity\":\"USMF\","
                    + "\"ControlNumber\":77,\"EventId\":\"" + id + "\",\"PurchaseOrderNumber\":\"PUR-12\"}";
            pt.sendBody("direct:servicebus-test", event);
            pt.sendBody("direct:servicebus-test", event); // Service Bus delivers at least once
            pt.sendBody("direct:servicebus-test", "not an event"); // taken and dropped, not redelivered forever
            assertThat(TestConnector.query(rt, "SELECT event_id, status FROM business_event"))
                    .singleElement().satisfies(e -> assertThat(e).containsEntry("EVENT_ID", id).containsEntry("STATUS", "PENDING"));
            assertThat(rt.businessEvents().duplicates()).isEqualTo(1);

            // a message that cannot be stored fails the exchange, so the consumer abandons it for redelivery
            try (var c = rt.landing().dataSource().getConnection(); var st = c.createStatement()) {
                st.execute("ALTER TABLE business_event RENAME TO business_event_away");
            }
            assertThatThrownBy(() -> pt.requestBody("direct:servicebus-test", event.replace(id, UUID.randomUUID().toString())))
                    .hasRootCauseInstanceOf(java.sql.SQLException.class);
            pt.stop();
            assertThat(log.text()).contains("Service Bus queue fno-business-events").doesNotContain(KEY);
        }
    }
}
