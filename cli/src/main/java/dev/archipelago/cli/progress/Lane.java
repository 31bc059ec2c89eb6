package dev.archipelago.cli.progress;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** One platform of a build as the progress views show it. */
record Lane(String platform, String state, String worker, boolean emulated, String digest, String reusedFrom,
        Instant startedAt, Instant finishedAt,
        String errorCode, String errorMessage, List<String> logTail) {

    static List<Lane> of(JsonNode build) {
        List<Lane> lanes = new ArrayList<>();
        for (JsonNode p : build.path("platforms")) {
            JsonNode error = p.path("error");
            List<String> tail = new ArrayList<>();
            error.path("logTail").forEach(line -> tail.add(line.asText()));
            lanes.add(new Lane(p.path("platform").asText(), p.path("state").asText(), text(p.path("worker")),
                    p.path("emulated").asBoolean(),
                    text(p.path("digest")), p.path("reused").asBoolean() ? text(p.path("reusedFrom")) : null,
                    instant(p.path("startedAt")), instant(p.path("finishedAt")),
                    text(error.path("code")),
                    text(error.path("message")), tail));
        }
        return lanes;
    }

    /** How long it has run: until it finished, or until now. */
    Duration elapsed(Instant now) {
        if (startedAt == null) {
            return null;
        }
        return Duration.between(startedAt, finishedAt != null ? finishedAt : now);
    }

    /** What a lane says about where it runs: the worker, and whether it is emulated. */
    String where() {
        if (worker == null) {
            return "";
        }
        return worker + (emulated ? " (emulated)" : " (native)");
    }

    /** What a SUCCEEDED lane did: pushed what it built, or reused the image of an earlier build of the same inputs. */
    String outcome() {
        return reusedFrom == null ? "pushed" : "reused (build " + reusedFrom + ", same inputs)";
    }

    static String seconds(Duration duration) {
        return duration == null ? "" : String.format("%.1f s", duration.toMillis() / 1000.0);
    }

    private static String text(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? null : node.asText();
    }

    private static Instant instant(JsonNode node) {
        String text = text(node);
        return text == null ? null : Instant.parse(text);
    }
}
