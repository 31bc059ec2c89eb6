package dev.archipelago.cli.progress;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Lanes redrawn in place on a terminal, one per platform (queued, building with its running time,
 * pushed with its digest, native or emulated), under a line for the build.
 */
final class TerminalProgress implements Progress {

    private static final String UP = "\u001B[%dA";
    private static final String CLEAR_LINE = "\u001B[2K\r";

    private final PrintStream out;
    private JsonNode last;
    private int drawn;

    TerminalProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void context(String directory, int entries, long bytes, String ignoreFile, String reference,
            Duration packed, Duration pushed) {
        out.println("context " + directory + ": " + entries + " entries, " + bytes + " bytes"
                + (ignoreFile == null ? "" : " (" + ignoreFile + " applied)") + ", packed in " + Lane.seconds(packed)
                + ", pushed in " + Lane.seconds(pushed));
        out.println("        " + reference);
    }

    @Override
    public synchronized void submitted(JsonNode build) {
        out.println("build " + build.path("id").asText() + "  " + build.path("image").path("repository").asText() + ":"
                + build.path("image").path("tag").asText());
        update(build);
    }

    @Override
    public synchronized void update(JsonNode build) {
        last = build;
        redraw();
    }

    @Override
    public synchronized void tick() {
        if (last != null) {
            redraw();
        }
    }

    @Override
    public synchronized void note(String message) {
        out.println(message);
        drawn = 0;
        out.flush();
    }

    @Override
    public synchronized void finished(JsonNode build) {
        last = build;
        redraw();
        drawn = 0;
        Summary.print(build, out);
        out.flush();
    }

    private void redraw() {
        List<String> lines = lines(last, Instant.now());
        if (drawn > 0) {
            out.print(String.format(UP, drawn));
        }
        for (String line : lines) {
            out.print(CLEAR_LINE);
            out.println(line);
        }
        drawn = lines.size();
        out.flush();
    }

    static List<String> lines(JsonNode build, Instant now) {
        List<String> lines = new ArrayList<>();
        lines.add("  " + build.path("state").asText());
        for (Lane lane : Lane.of(build)) {
            String detail = switch (lane.state()) {
                case "QUEUED" -> "waiting for a worker";
                case "BUILDING" -> Lane.seconds(lane.elapsed(now)) + "  " + lane.where();
                case "SUCCEEDED" ->
                    lane.outcome() + " " + shortDigest(lane.digest()) + "  " + Lane.seconds(lane.elapsed(now)) + "  "
                            + lane.where();
                case "FAILED" -> lane.errorCode() + "  " + Lane.seconds(lane.elapsed(now));
                default -> "";
            };
            lines.add(String.format("  %-14s %-9s  %s", lane.platform(), lane.state(), detail).stripTrailing());
        }
        return lines;
    }

    private static String shortDigest(String digest) {
        return digest == null ? "" : digest.length() > 19 ? digest.substring(0, 19) : digest;
    }
}
