package com.mlconnector.app;

import com.mlconnector.config.ConfigException;
import com.mlconnector.landing.LandingDialect;
import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.quartz.SchedulerException;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Several nodes, one schedule: with a PostgreSQL state database the service's Quartz scheduler keeps its jobs and
 * triggers in that database (JDBC job store, clustered; tables by Flyway V9), so each cron firing runs on one node
 * and a node that dies leaves its firings to the others. With H2 (one process at a time) the schedule stays in
 * memory. {@code connector.cluster}: auto (clustered on PostgreSQL), true, false.
 */
final class QuartzCluster {
    /** Every node of one configuration uses this scheduler name: it is the cluster's key in the Quartz tables. */
    static final String SCHEDULER = "ml-connector";
    private static final Map<String, DataSource> SOURCES = new ConcurrentHashMap<>();

    private QuartzCluster() {
    }

    static boolean wanted(String setting, LandingDialect dialect) {
        String s = setting == null ? "auto" : setting.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (s) {
            case "auto", "" -> dialect == LandingDialect.POSTGRESQL;
            case "true" -> {
                if (dialect != LandingDialect.POSTGRESQL) {
                    throw new ConfigException("connector.cluster=true needs a PostgreSQL state database (landing.jdbc-url): "
                            + "an H2 file serves one process at a time");
                }
                yield true;
            }
            case "false" -> false;
            default -> throw new ConfigException("connector.cluster must be auto, true or false, got '" + setting + "'");
        };
    }

    /** The quartz component keeps its schedule in the state database, clustered with the other nodes. */
    static void configure(CamelContext ctx, DataSource db, String nodeId, long checkinMillis) throws SchedulerException {
        String key = UUID.randomUUID().toString();
        SOURCES.put(key, db);
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", SCHEDULER);
        p.setProperty("org.quartz.scheduler.instanceId", nodeId);
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.threadCount", "4");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", "state");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", String.valueOf(checkinMillis));
        // a firing more than 5 s late is a misfire, handled by the trigger's instruction (schedule.misfire): one run
        // right after a run that outlasted firings, or after every node was down; at 60 s (the default) the firings a
        // long run outlasted were each fired late, one after the other, a burst of runs reading the same rows again
        p.setProperty("org.quartz.jobStore.misfireThreshold", "5000");
        p.setProperty("org.quartz.dataSource.state.connectionProvider.class", StateConnections.class.getName());
        p.setProperty("org.quartz.dataSource.state.key", key);
        QuartzComponent quartz = ctx.getComponent("quartz", QuartzComponent.class);
        quartz.setPrefixInstanceName(false);
        quartz.setSchedulerFactory(new StdSchedulerFactory(p));
    }

    /** Hands Quartz the state database's pool (Quartz creates it by class name and sets its key). */
    public static final class StateConnections implements ConnectionProvider {
        private String key;

        public void setKey(String key) {
            this.key = key;
        }

        @Override
        public Connection getConnection() throws SQLException {
            DataSource ds = SOURCES.get(key);
            if (ds == null) {
                throw new SQLException("the state database of this scheduler is closed");
            }
            return ds.getConnection();
        }

        @Override
        public void shutdown() {
            SOURCES.remove(key);
        }

        @Override
        public void initialize() {
            // the pool is the connector's own
        }
    }
}
