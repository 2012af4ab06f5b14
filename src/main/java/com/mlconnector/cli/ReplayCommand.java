package com.mlconnector.cli;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.Replay;
import com.mlconnector.app.RuntimeOptions;
import com.mlconnector.app.StateReader;
import com.mlconnector.state.DeadLetters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/** Lists dead-lettered batches, or re-delivers one, several or all of them. */
@Command(name = "replay", description = "List dead-lettered batches (--list), or re-deliver the ones named, or all "
        + "waiting (--all). Replaying is idempotent. Exit 0 only if every replay succeeded.")
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    ConnectorCommand parent;

    @Option(names = "--list", description = "list dead letters (with --all: replayed ones too)")
    boolean list;

    @Option(names = "--all", description = "replay every dead letter still waiting")
    boolean all;

    @Parameters(arity = "0..*", paramLabel = "BATCH_ID", description = "batch ids to replay")
    List<String> ids = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        if (list || (!all && ids.isEmpty())) {
            // read-only: runs beside the service (on PostgreSQL), nothing started, nothing written
            try (StateReader state = StateReader.open(parent.dir, parent.overrides(), null)) {
                List<DeadLetters.Entry> entries = new DeadLetters(state.dataSource()).list(!all);
                out.printf("%-36s %-15s %-8s %6s %-20s %s%n", "BATCH", "ENTITY", "KIND", "ROWS", "DEAD SINCE", "REASON");
                for (DeadLetters.Entry e : entries) {
                    out.printf("%-36s %-15s %-8s %6d %-20s %s%s%n", e.batchId(), e.table(), e.kind(), e.rows(),
                            e.created().toString().replaceFirst("\\.\\d+Z$", "Z"), e.reason(),
                            e.replayed() == null ? "" : " (replayed " + e.replayed() + ")");
                }
                out.println(entries.size() + " dead letter(s)" + (all ? "" : " waiting"));
                return 0;
            }
        }
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(parent.dir, parent.overrides()))) {
            List<String> targets = all ? Replay.pending(rt.deadLetters()) : ids;
            List<Replay.Outcome> outcomes = Replay.run(rt, targets);
            outcomes.forEach(o -> out.println((o.ok() ? "REPLAYED " : "FAILED   ") + o.batchId() + ": " + o.detail()));
            long failed = outcomes.stream().filter(o -> !o.ok()).count();
            out.println(outcomes.size() - failed + " replayed, " + failed + " failed");
            return failed == 0 ? 0 : 1;
        }
    }
}
