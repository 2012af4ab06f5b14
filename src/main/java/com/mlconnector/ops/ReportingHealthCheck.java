package com.mlconnector.ops;

import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A check that reports in {@code /observe/health} and never takes the process out: neither a liveness nor a readiness
 * check, since neither a restart nor leaving the service would mend a remote system (Power BI, a warehouse, F&O), and
 * both would stop business events and webhooks from being taken.
 */
abstract class ReportingHealthCheck extends AbstractHealthCheck {
    ReportingHealthCheck(String id) {
        super("ml-connector", id);
    }

    @Override
    public final boolean isLiveness() {
        return false;
    }

    @Override
    public final boolean isReadiness() {
        return false;
    }
}
