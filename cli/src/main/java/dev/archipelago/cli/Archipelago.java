package dev.archipelago.cli;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code archipelago} command. Every failure ends with one line on standard error that says
 * what to do, and an exit code of {@link ExitCodes}; never a stack trace.
 */
@Command(name = "archipelago", mixinStandardHelpOptions = true, version = "archipelago 0.1.0", description = "Builds multi-architecture container images on native hardware for every architecture.", subcommands = {
        BuildCommand.class, StatusCommand.class, LogsCommand.class, RetryCommand.class, CancelCommand.class,
        BuildsCommand.class, WorkersCommand.class,
        LoginCommand.class }, exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:done; for build: the index was pushed", "1:an unexpected error", "2:the command line is wrong",
                "3:refused, nothing submitted: bad input, or the API or the registry said no",
                "4:the build FAILED", "5:the build was CANCELLED", "6:the API or the registry could not be reached" })
public final class Archipelago {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code. */
    public static int run(String... args) {
        CommandLine line = new CommandLine(new Archipelago());
        line.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof CliException cli) {
                err.println("archipelago: " + cli.getMessage());
                err.flush();
                return cli.exitCode();
            }
            err.println("archipelago: unexpected " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            err.flush();
            return ExitCodes.INTERNAL;
        });
        return line.execute(args);
    }
}
