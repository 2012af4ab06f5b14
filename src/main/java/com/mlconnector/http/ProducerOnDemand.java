package com.mlconnector.http;

import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;

import java.util.function.Supplier;

/**
 * A ProducerTemplate made on first use, for beans made before their Camel context has started (the destinations' HTTP
 * calls, the delivery queues), and handed to the context as a service so that it stops with the context.
 */
public final class ProducerOnDemand implements Supplier<ProducerTemplate> {
    private final CamelContext camel;
    private volatile ProducerTemplate template;

    public ProducerOnDemand(CamelContext camel) {
        this.camel = camel;
    }

    @Override
    public ProducerTemplate get() {
        ProducerTemplate t = template;
        if (t == null) {
            synchronized (this) {
                if (template == null) {
                    ProducerTemplate made = camel.createProducerTemplate();
                    try {
                        camel.addService(made, true, false); // stopped when the context stops
                    } catch (Exception e) {
                        throw new IllegalStateException("the Camel context did not take the producer template: " + e.getMessage(), e);
                    }
                    template = made;
                }
                t = template;
            }
        }
        return t;
    }
}
