package com.mlconnector.app;

import com.mlconnector.config.ConfigException;
import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.sync.Mappings;
import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobDetail;
import org.quartz.Scheduler;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
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

    /** Quartz's cron misfire instructions for schedule.misfire. */
    private static final Map<String, Integer> MISFIRE = Map.of("run-once", CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW,
            "skip", CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING);

    /** One cron route per mapping, and one reconcile route where the mapping has one, from the scheduled-sync template. */
    static void install(CamelContext ctx, Mappings mappings) {
        String misfireSetting = ctx.getPropertiesComponent().resolveProperty("schedule.misfire").orElse("run-once").trim();
        Integer misfire = MISFIRE.get(misfireSetting.toLowerCase(java.util.Locale.ROOT));
        if (misfire == null) {
            throw new ConfigException("schedule.misfire must be run-once (a firing that came while the table's run was going "
                    + "runs once right after it) or skip (it is skipped; the next firing runs), got '" + misfireSetting + "'");
        }
        for (EntityMapping m : mappings.all()) {
            String cron = ctx.getPropertiesComponent().resolveProperty("schedule." + m.table()).orElse(m.schedule());
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("entity", m.entitySet());
            params.put("cron", cron);
            params.put("misfire", String.valueOf(misfire));
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
        alignStored(ctx, mappings, misfire);
    }

    /**
     * A clustered schedule outlives the nodes: camel-quartz keeps a job and trigger already in the state database as
     * they are unless the cron changed, so one stored by an older version would keep Quartz's default misfire handling
     * and no recovery. They are brought in line here: the job asks for recovery (another node runs it again when its
     * node dies mid-run) and the trigger has schedule.misfire's instruction.
     */
    private static void alignStored(CamelContext ctx, Mappings mappings, int misfire) {
        try {
            Scheduler scheduler = ctx.getComponent("quartz", QuartzComponent.class).getScheduler();
            if (scheduler == null) {
                return;
            }
            for (EntityMapping m : mappings.all()) {
                for (String group : java.util.List.of("sync", "reconcile")) {
                    Trigger t = scheduler.getTrigger(TriggerKey.triggerKey(m.entitySet(), group));
                    if (!(t instanceof CronTrigger cron)) {
                        continue;
                    }
                    JobDetail job = scheduler.getJobDetail(t.getJobKey());
                    if (job != null && !job.requestsRecovery()) {
                        scheduler.addJob(job.getJobBuilder().requestRecovery(true).build(), true, true);
                    }
                    // Quartz's smart policy for a cron trigger is fire-once-now
                    int stored = cron.getMisfireInstruction() == Trigger.MISFIRE_INSTRUCTION_SMART_POLICY
                            ? CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW : cron.getMisfireInstruction();
                    if (stored != misfire) {
                        CronScheduleBuilder schedule = CronScheduleBuilder.cronSchedule(cron.getCronExpression())
                                .inTimeZone(cron.getTimeZone());
                        schedule = misfire == CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING
                                ? schedule.withMisfireHandlingInstructionDoNothing() : schedule.withMisfireHandlingInstructionFireAndProceed();
                        scheduler.rescheduleJob(t.getKey(), cron.getTriggerBuilder().withSchedule(schedule).startNow().build());
                    }
                }
            }
        } catch (org.quartz.SchedulerException e) {
            throw new IllegalStateException("the schedule stored in the state database could not be updated: " + e.getMessage(), e);
        }
    }
}
