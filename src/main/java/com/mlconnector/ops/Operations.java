package com.mlconnector.ops;

import com.mlconnector.mapping.EntityMapping;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** What the connector adds to Camel's operations: its health checks and its MBeans (registered at start, removed at stop). */
public final class Operations implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Operations.class);
    /** A destination is DOWN after this many failed deliveries in a row; F&O after this many runs failed on it in a row. */
    private static final int FAILURES_FOR_DOWN = 3;

    private final List<ObjectName> registered = new ArrayList<>();

    public static ObjectName entityName(String table) throws MalformedObjectNameException {
        return new ObjectName("com.mlconnector:type=Entity,name=" + table);
    }

    public void register(OperatedConnector rt, CamelContext ctx, Pauses pauses) {
        HealthCheckRegistry health = HealthCheckRegistry.get(ctx);
        if (health != null) {
            health.register(new StateDatabaseHealth(rt.landing().dataSource()));
            health.register(new FnoHealth(rt.landing().dataSource(), java.net.URI.create(rt.fnoServiceRoot()).getAuthority(),
                    FAILURES_FOR_DOWN));
            for (String d : rt.activeDestinations()) {
                health.register(new DestinationHealth(rt.landing().dataSource(), d, FAILURES_FOR_DOWN));
            }
        }
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        for (EntityMapping m : rt.mappings().all()) {
            try {
                ObjectName name = entityName(m.table());
                if (jmx.isRegistered(name)) {
                    jmx.unregisterMBean(name); // an earlier runtime in this JVM (tests)
                }
                EntityControl control = new EntityControl(rt, m, rt.activeDestinations().stream().filter(d -> rt.takes(d, m)).toList(),
                        pauses);
                jmx.registerMBean(new DescribedMBean<>(control, EntityControlMXBean.class, "ml-connector: the entity "
                        + m.entitySet() + " delivered as " + m.table() + "; its state per destination and the operator's levers",
                        EntityControl.DESCRIPTIONS), name);
                registered.add(name);
            } catch (JMException e) {
                LOG.warn("JMX: the MBean of {} could not be registered: {}", m.table(), e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        for (ObjectName name : registered) {
            try {
                jmx.unregisterMBean(name);
            } catch (JMException ignored) {
                // gone already
            }
        }
        registered.clear();
    }
}
