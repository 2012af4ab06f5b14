package com.mlconnector.app;

import com.mlconnector.config.ConfigException;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.sync.Mappings;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The service's schedules: routes made from the {@code scheduled-sync} template of routes/sync.yaml, with the cron of
 * each mapping's {@code schedule} (or the property schedule.&lt;Table&gt;) and of its {@code reconcile}
 * (reconcile.&lt;Table&gt;; none switches it off).
 */
final class Schedules {
    private static final Logger LOG = LoggerFactory.getLogger(Schedules.class);

    private Schedules() {
    }

    /** One cron route per mapping, and one reconcile route where the mapping has one, from the scheduled-sync template. */
    static void install(CamelContext ctx, Mappings mappings) {
        for (EntityMapping m : mappings.all()) {
            String cron = ctx.getPropertiesComponent().resolveProperty("schedule." + m.table()).orElse(m.schedule());
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("entity", m.entitySet());
            params.put("cron", cron);
            try {
                ctx.addRouteFromTemplate("schedule-" + m.table(), "scheduled-sync", params);
            } catch (Exception e) {
                throw new ConfigException("schedule." + m.table() + " (" + cron + ") could not be scheduled: " + e.getMessage());
            }
            LOG.info("Scheduled {} with cron '{}'", m.entitySet(), cron);
            String reconcile = ctx.getPropertiesComponent().resolveProperty("reconcile." + m.table()).orElse(m.reconcile());
            if (reconcile == null || reconcile.isBlank() || reconcile.trim().equalsIgnoreCase("none")) {
                continue;
            }
            Map<String, Object> full = new LinkedHashMap<>(params);
            full.put("cron", reconcile.trim());
            full.put("group", "reconcile");
            full.put("trigger", "reconcile");
            full.put("full", "true");
            try {
                ctx.addRouteFromTemplate("reconcile-" + m.table(), "scheduled-sync", full);
            } catch (Exception e) {
                throw new ConfigException("reconcile." + m.table() + " (" + reconcile + ") could not be scheduled: " + e.getMessage());
            }
            LOG.info("Reconcile of {} (a full read with deletes) scheduled with cron '{}'", m.entitySet(), reconcile.trim());
        }
    }
}
