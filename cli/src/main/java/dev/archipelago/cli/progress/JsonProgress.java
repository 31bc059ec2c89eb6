package dev.archipelago.cli.progress;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One JSON object a line, for programs: {@code context}, {@code submitted}, {@code build} (every
 * view of the build, whole, as the API gives it), {@code note} and {@code finished}. Each has
 * {@code event} and {@code at}.
 */
final class JsonProgress implements Progress {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;

    JsonProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void context(String directory, int entries, long bytes, String ignoreFile, String reference,
            Duration packed, Duration pushed) {
        ObjectNode event = event("context").put("directory", directory).put("entries", entries).put("bytes", bytes)
                .put("reference", reference).put("packMillis", packed.toMillis()).put("pushMillis", pushed.toMillis());
        if (ignoreFile != null) {
            event.put("ignoreFile", ignoreFile);
        }
        print(event);
    }

    @Override
    public synchronized void submitted(JsonNode build) {
        print(event("submitted").set("build", build));
    }

    @Override
    public synchronized void update(JsonNode build) {
        print(event("build").set("build", build));
    }

    @Override
    public void tick() {
        // events only
    }

    @Override
    public synchronized void note(String message) {
        print(event("note").put("message", message));
    }

    @Override
    public synchronized void finished(JsonNode build) {
        print(event("finished").put("state", build.path("state").asText()).set("build", build));
    }

    private static ObjectNode event(String name) {
        return JSON.createObjectNode().put("event", name).put("at", Instant.now().toString());
    }

    private void print(JsonNode event) {
        out.println(event.toString());
        out.flush();
    }
}
