package com.mlconnector.cli;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.config.ConfigException;
import com.mlconnector.mapping.EntityMapping;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/** Runs every configured entity (or the ones named) once and exits 0 only if all succeeded. */
@Command(name = "sync", description = "Sync entities now. With --once: every entity (or those named) once, then exit.")
final class SyncCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    ConnectorCommand parent;

    @Option(names = "--once", required = true, description = "Run once and exit (0 only if every entity succeeded).")
    boolean once;

    @Option(names = "--entity", arity = "1..*", description = "Entity set or table name (default: all mapped).")
    List<String> entities = new ArrayList<>();

    @Option(names = "--full", description = "Read every entity whole and make each destination equal to F&O: inserts, "
            + "updates and deletes, whatever the mapping's change strategy (a reconcile).")
    boolean full;

    @Override
    public Integer call() {
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(parent.dir, parent.overrides()))) {
            List<String> names;
            try {
                names = entities.isEmpty()
                        ? rt.mappings().all().stream().map(EntityMapping::entitySet).toList()
                        : entities.stream().map(n -> rt.mappings().get(n).entitySet()).toList();
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--entity: " + e.getMessage());
            }
            List<String> failed = new ArrayList<>();
            // several tables: each follow-up (a Job run, a model refresh, each Tableau data source's extract refresh) is
            // asked once, after all of them landed
            boolean defer = names.size() > 1;
            for (String name : names) {
                try {
                    rt.syncNow(name, full ? "reconcile" : "once", defer, full);
                } catch (RuntimeException e) {
                    failed.add(name);
                }
            }
            // each destination's follow-up once for every table that landed rows: one Databricks Job run, one model
            // refresh, one extract refresh per Tableau data source
            for (String problem : rt.followUps().askAll()) {
                spec.commandLine().getErr().println("sync --once: follow-up " + problem);
                failed.add(problem.substring(0, problem.indexOf(':')));
            }
            if (failed.isEmpty()) {
                spec.commandLine().getOut().println("sync --once: all " + names.size() + " entities succeeded");
                return 0;
            }
            spec.commandLine().getErr().println("sync --once: " + failed.size() + " of " + names.size() + " entities failed: " + failed
                    + " (reasons above and in the connector_run table)");
            return 1;
        }
    }
}
