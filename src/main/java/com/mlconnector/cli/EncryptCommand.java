package com.mlconnector.cli;

import com.mlconnector.config.ConfigException;
import com.mlconnector.config.Secrets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** Turns a secret into an ENC(…) value for application.properties. */
@Command(name = "encrypt", description = "Encrypt a secret for application.properties (reads it from the terminal or "
        + "standard input; the master password comes from " + Secrets.MASTER_PASSWORD_ENV + ").")
final class EncryptCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--value", description = "The secret (prefer standard input: arguments end up in shell history).")
    String value;

    @Override
    public Integer call() throws Exception {
        String master = System.getenv(Secrets.MASTER_PASSWORD_ENV);
        if (master == null || master.isEmpty()) {
            throw new ConfigException(Secrets.MASTER_PASSWORD_ENV + " is not set: export the master password first");
        }
        String secret = value;
        if (secret == null) {
            Console console = System.console();
            if (console != null) {
                char[] typed = console.readPassword("Secret to encrypt: ");
                secret = typed == null ? null : new String(typed);
            } else {
                secret = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            }
        }
        if (secret == null || secret.isEmpty()) {
            throw new ConfigException("nothing to encrypt: give the secret on standard input or with --value");
        }
        spec.commandLine().getOut().println(Secrets.encrypt(secret, master));
        return 0;
    }
}
