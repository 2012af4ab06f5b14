package com.mlconnector.cli;

import com.mlconnector.app.ConnectorChecks;
import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.app.RuntimeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.ParentCommand;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/** Proves the configuration against the live systems and says plainly what is wrong. */
@Command(name = "check", description = "Check the configuration against the live systems: tokens, $metadata, "
        + "every mapped entity, the landing database. Exit 0 only if all pass.")
final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    ConnectorCommand parent;

    @Override
    public Integer call() {
        try (ConnectorRuntime rt = ConnectorRuntime.start(RuntimeOptions.once(parent.dir, parent.overrides()))) {
            List<ConnectorChecks.Result> results = ConnectorChecks.run(rt);
            results.forEach(r -> spec.commandLine().getOut().println(r));
            long failed = results.stream().filter(r -> !r.ok()).count();
            long warned = results.stream().filter(r -> r.ok() && r.warning()).count();
            String warnings = warned == 0 ? "" : " (" + warned + (warned == 1 ? " warning" : " warnings") + ")";
            spec.commandLine().getOut().println(failed == 0 ? "All " + results.size() + " checks passed" + warnings + "."
                    : failed + " of " + results.size() + " checks failed" + warnings + ".");
            return failed == 0 ? 0 : 1;
        }
    }
}
