package dev.archipelago.cli.progress;

import java.io.PrintStream;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How {@code archipelago build} shows a build as it goes: lanes redrawn in place on a terminal
 * ({@link TerminalProgress}), plain lines when the output is not one ({@link PlainProgress}), one
 * JSON object per event ({@link JsonProgress}).
 */
public interface Progress {

    /** The context was packed and pushed. */
    void context(String directory, int entries, long bytes, String ignoreFile, String reference, Duration packed,
            Duration pushed);

    /** The API accepted the build: the first view. */
    void submitted(JsonNode build);

    /** A view of the build, after any change. */
    void update(JsonNode build);

    /** A second passed (a terminal redraws running times). */
    void tick();

    /** Something the CLI did or saw, in a sentence. */
    void note(String message);

    /** The build ended: what it pushed, or why it did not. */
    void finished(JsonNode build);

    /** The mode the user asked for; {@code auto} picks a terminal's when there is one. */
    static Progress of(String mode, PrintStream out, boolean terminal) {
        return switch (mode) {
            case "tty" -> new TerminalProgress(out);
            case "plain" -> new PlainProgress(out);
            case "json" -> new JsonProgress(out);
            case "auto" -> terminal ? new TerminalProgress(out) : new PlainProgress(out);
            default -> throw new IllegalArgumentException("--progress must be auto, tty, plain or json, not '" + mode + "'");
        };
    }
}
