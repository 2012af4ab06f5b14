package com.mlconnector.cli;

import com.mlconnector.app.StateReader;
import com.mlconnector.ops.StatusReport;
import com.mlconnector.databricks.DatabricksSettings;
import com.mlconnector.powerbi.PowerBiSettings;
import com.mlconnector.tableau.TableauSettings;
import com.mlconnector.events.EventStore;
import com.mlconnector.tableau.TableauStatus;
import com.mlconnector.sync.RunLedger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import javax.sql.DataSource;
import java.util.List;
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
        // read-only: no migration, no routes, nothing written, so it runs beside the service (on PostgreSQL)
        try (StateReader state = StateReader.open(parent.dir, parent.overrides(), null)) {
            DataSource db = state.dataSource();
            var out = spec.commandLine().getOut();
            List<StatusReport.Line> lines = new java.util.ArrayList<>(StatusReport.of(db, state.mappings().all(), RunLedger.DESTINATION));
            PowerBiSettings powerBi = state.powerBi();
            if (powerBi.enabled) {
                lines.addAll(StatusReport.of(db, state.mappings().all().stream().filter(m -> powerBi.takes(m.table())).toList(), "powerbi"));
            }
            DatabricksSettings databricks = state.databricks();
            if (databricks.enabled) {
                lines.addAll(StatusReport.of(db, state.mappings().all().stream().filter(m -> databricks.takes(m.table())).toList(), "databricks"));
            }
            for (var added : state.addedDestinations()) {
                if (added.enabled() && added.batches()) {
                    lines.addAll(StatusReport.of(db, state.mappings().all().stream().filter(added::takes).toList(), added.name()));
                }
            }
            out.print(StatusReport.render(lines));
            out.print(StatusReport.reconciles(db));
            out.print(StatusReport.followUpsOwed(db));
            TableauSettings tableau = state.tableau();
            List<TableauStatus.Line> extracts = tableau.enabled ? TableauStatus.of(db, tableau) : List.of();
            out.print(TableauStatus.render(extracts));
            long eventsFailed = 0;
            if (state.events().enabled) {
                EventStore events = new EventStore(db);
                eventsFailed = events.count(EventStore.Status.FAILED);
                out.printf("Business events: %d read, %d waiting to be read, %d failed (their records come with the next "
                        + "scheduled run), %d ignored%n", events.count(EventStore.Status.READ), events.count(EventStore.Status.PENDING),
                        eventsFailed, events.count(EventStore.Status.IGNORED));
            }
            out.print(StatusReport.nodes(db, java.time.Duration.ofSeconds(state.settings().leaseSeconds)));
            return lines.stream().anyMatch(l -> l.failuresSince() > 0 || l.deadLetters() > 0)
                    || extracts.stream().anyMatch(TableauStatus.Line::behind) || eventsFailed > 0 ? 1 : 0;
        }
    }
}
