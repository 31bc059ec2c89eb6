package dev.archipelago.cli;

import java.io.PrintStream;

import com.fasterxml.jackson.databind.JsonNode;

/** How the CLI prints a build that it does not follow. */
final class Views {

    private Views() {
    }

    static void printBuild(JsonNode build, PrintStream out) {
        out.println("build   " + build.path("id").asText() + "  " + build.path("state").asText() + "  attempt "
                + build.path("attempt").asText());
        out.println(
                "image   " + build.path("image").path("repository").asText() + ":" + build.path("image").path("tag").asText());
        JsonNode source = build.path("source");
        out.println("source  " + (source.hasNonNull("bundle") ? source.path("bundle").asText()
                : source.path("git").asText() + " @ " + source.path("ref").asText() + " = " + source.path("commit").asText()));
        for (JsonNode p : build.path("platforms")) {
            JsonNode error = p.path("error");
            out.println(String.format("  %-14s %-9s %s", p.path("platform").asText(), p.path("state").asText(),
                    error.isMissingNode() || error.isNull() ? (p.hasNonNull("digest") ? p.path("digest").asText()
                            + (p.path("reused").asBoolean() ? "  reused from build " + p.path("reusedFrom").asText() : "") : "")
                            : error.path("code").asText() + ": " + error.path("message").asText())
                    .stripTrailing());
        }
        JsonNode index = build.path("index");
        if (index.hasNonNull("digest")) {
            out.println("index   " + index.path("reference").asText());
        }
        if (build.hasNonNull("error")) {
            out.println("error   " + build.path("error").path("code").asText() + ": "
                    + build.path("error").path("message").asText());
        }
    }

    static String shortSource(JsonNode build) {
        JsonNode source = build.path("source");
        if (source.hasNonNull("bundle")) {
            String bundle = source.path("bundle").asText();
            return "ctx " + bundle.substring(bundle.indexOf("@sha256:") + 8, bundle.indexOf("@sha256:") + 13);
        }
        return source.path("commit").asText("").length() >= 8 ? source.path("commit").asText().substring(0, 8) : "";
    }
}
