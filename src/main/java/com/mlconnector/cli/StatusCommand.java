package com.mlconnector.cli;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.app.StatusReport;
import com.mlconnector.events.EventStore;
import com.mlconnector.tableau.TableauStatus;
import com.mlconnector.sync.RunLedger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/** Per entity and destination: last success, rows, lag, failures, dead letters, watermark. */
@Command(name = "status", description = "Show, per entity and destination, the last success, rows, lag, failures since, "
        + "dead letters waiting and the watermark. Exit 1 if any entity has failures or dead letters.")
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    ConnectorCommand parent;

    @Override
    public Integer call() throws Exception {
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(parent.dir, parent.overrides()))) {
            List<StatusReport.Line> lines = new java.util.ArrayList<>(
                    StatusReport.of(rt.landing().dataSource(), rt.mappings().all(), RunLedger.DESTINATION));
            if (rt.powerBiSettings().enabled) {
                lines.addAll(StatusReport.of(rt.landing().dataSource(), rt.mappings().all().stream()
                        .filter(m -> rt.powerBiSettings().takes(m.table())).toList(), "powerbi"));
            }
            if (rt.databricksSettings().enabled) {
                lines.addAll(StatusReport.of(rt.landing().dataSource(), rt.mappings().all().stream()
                        .filter(m -> rt.databricksSettings().takes(m.table())).toList(), "databricks"));
            }
            spec.commandLine().getOut().print(StatusReport.render(lines));
            spec.commandLine().getOut().print(StatusReport.reconciles(rt.landing().dataSource()));
            List<TableauStatus.Line> extracts = rt.tableau().settings().enabled
                    ? TableauStatus.of(rt.landing().dataSource(), rt.tableau().settings()) : List.of();
            spec.commandLine().getOut().print(TableauStatus.render(extracts));
            long eventsFailed = 0;
            if (rt.eventSettings().enabled) {
                long pending = rt.eventStore().count(EventStore.Status.PENDING);
                eventsFailed = rt.eventStore().count(EventStore.Status.FAILED);
                spec.commandLine().getOut().printf("Business events: %d read, %d waiting to be read, %d failed (their records "
                        + "come with the next scheduled run), %d ignored%n", rt.eventStore().count(EventStore.Status.READ), pending,
                        eventsFailed, rt.eventStore().count(EventStore.Status.IGNORED));
            }
            return lines.stream().anyMatch(l -> l.failuresSince() > 0 || l.deadLetters() > 0)
                    || extracts.stream().anyMatch(TableauStatus.Line::behind) || eventsFailed > 0 ? 1 : 0;
        }
    }
}
