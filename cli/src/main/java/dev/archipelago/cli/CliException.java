package dev.archipelago.cli;

/** Ends the command with a one-line message (no stack trace) and an exit code of {@link ExitCodes}. */
public final class CliException extends RuntimeException {

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    static CliException refused(String message) {
        return new CliException(ExitCodes.REFUSED, message);
    }

    static CliException unreachable(String message) {
        return new CliException(ExitCodes.UNREACHABLE, message);
    }
}
