package dev.archipelago.cli.progress;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** The lines that end a build on a terminal or in a log: the index and its pull line, or why it failed. */
final class Summary {

    private Summary() {
    }

    static void print(JsonNode build, PrintStream out) {
        String state = build.path("state").asText();
        String id = build.path("id").asText();
        switch (state) {
            case "SUCCEEDED" -> {
                JsonNode index = build.path("index");
                String repository = build.path("image").path("repository").asText();
                out.println("index   " + repository + ":" + String.join(", ", texts(index.path("tags"))) + "  "
                        + index.path("digest").asText() + "  (" + index.path("mediaType").asText() + ")");
                for (Lane lane : Lane.of(build)) {
                    out.println(
                            "  " + lane.platform() + "  " + lane.digest()
                                    + (lane.reusedFrom() != null ? "  reused from build " + lane.reusedFrom()
                                            : lane.emulated() ? "  built under emulation" : ""));
                }
                for (JsonNode a : index.path("attestations")) {
                    out.println("attached " + a.path("kind").asText().toLowerCase() + " of "
                            + (a.path("platform").isTextual() ? a.path("platform").asText() : "the index") + "  "
                            + a.path("digest").asText() + "  (tag " + a.path("tag").asText() + ")");
                }
                for (JsonNode warning : index.path("warnings")) {
                    out.println("warning " + warning.asText());
                }
                out.println("pull    podman pull " + index.path("reference").asText());
                out.println("build " + id + " SUCCEEDED");
            }
            case "FAILED" -> {
                for (Lane lane : Lane.of(build)) {
                    if (lane.errorCode() == null) {
                        continue;
                    }
                    out.println(lane.platform() + " failed: " + lane.errorCode() + ": " + lane.errorMessage());
                    for (String line : lane.logTail()) {
                        out.println("  | " + line);
                    }
                }
                JsonNode error = build.path("error");
                out.println("build " + id + " FAILED" + (error.isMissingNode() || error.isNull() ? ""
                        : ": " + error.path("code").asText() + ": " + error.path("message").asText()));
                out.println("retry the failed platforms with: archipelago retry " + id);
            }
            default -> out.println("build " + id + " " + state);
        }
    }

    private static Iterable<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }
}
