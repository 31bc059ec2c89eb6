package dev.archipelago.cli.progress;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/** Plain lines, one when something changes: for CI logs and pipes. */
final class PlainProgress implements Progress {

    private final PrintStream out;
    private final Map<String, String> shown = new HashMap<>();
    private String buildState;

    PlainProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void context(String directory, int entries, long bytes, String ignoreFile, String reference, Duration packed,
            Duration pushed) {
        out.println("context " + directory + ": " + entries + " entries, " + bytes + " bytes"
                + (ignoreFile == null ? "" : " (" + ignoreFile + " applied)") + ", packed in " + Lane.seconds(packed));
        out.println("context pushed as " + reference + " in " + Lane.seconds(pushed));
    }

    @Override
    public void submitted(JsonNode build) {
        out.println(
                "build " + build.path("id").asText() + " submitted: " + build.path("image").path("repository").asText() + ":"
                        + build.path("image").path("tag").asText() + " for " + build.path("platforms").size() + " platforms");
        update(build);
    }

    @Override
    public void update(JsonNode build) {
        String state = build.path("state").asText();
        if (!state.equals(buildState)) {
            buildState = state;
            out.println("build " + state);
        }
        for (Lane lane : Lane.of(build)) {
            if (lane.state().equals(shown.put(lane.platform(), lane.state()))) {
                continue;
            }
            String detail = switch (lane.state()) {
                case "BUILDING" -> "on " + lane.where();
                case "SUCCEEDED" ->
                    lane.outcome() + " " + lane.digest() + " in " + Lane.seconds(lane.elapsed(Instant.now())) + " on "
                            + lane.where();
                case "FAILED" -> lane.errorCode() + ": " + lane.errorMessage();
                default -> "";
            };
            out.println(String.format("%-14s %-9s %s", lane.platform(), lane.state(), detail).stripTrailing());
        }
        out.flush();
    }

    @Override
    public void tick() {
        // plain lines change only with the build
    }

    @Override
    public void note(String message) {
        out.println(message);
        out.flush();
    }

    @Override
    public void finished(JsonNode build) {
        Summary.print(build, out);
        out.flush();
    }
}
