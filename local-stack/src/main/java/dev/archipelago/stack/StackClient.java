package dev.archipelago.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The dispatcher's API as the run command and the scenario tests use it. */
public final class StackClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A client calling the API at {@code base} with a bearer token. */
    public StackClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /** Submits a build; returns its id, or fails with the dispatcher's problem detail. */
    public String submit(String body) {
        HttpResponse<String> response = send(authorized(base.resolve("/api/builds"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
        if (response.statusCode() != 202) {
            throw new LocalStack.StackException(
                    "the dispatcher refused the build (" + response.statusCode() + "): " + response.body());
        }
        return read(response.body()).path("id").asText();
    }

    public JsonNode build(String id) {
        HttpResponse<String> response = send(authorized(base.resolve("/api/builds/" + id)).build());
        if (response.statusCode() != 200) {
            throw new LocalStack.StackException(
                    "GET /api/builds/" + id + " answered " + response.statusCode() + ": " + response.body());
        }
        return read(response.body());
    }

    /** Cancels a build; returns its view. */
    public JsonNode cancel(String id) {
        HttpResponse<String> response = send(authorized(base.resolve("/api/builds/" + id + "/cancel"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        if (response.statusCode() != 200) {
            throw new LocalStack.StackException("POST /api/builds/" + id + "/cancel answered " + response.statusCode() + ": "
                    + response.body());
        }
        return read(response.body());
    }

    /** The newest builds, at most {@code limit}. */
    public JsonNode builds(int limit) {
        HttpResponse<String> response = send(authorized(base.resolve("/api/builds?limit=" + limit)).build());
        if (response.statusCode() != 200) {
            throw new LocalStack.StackException("GET /api/builds answered " + response.statusCode() + ": " + response.body());
        }
        return read(response.body());
    }

    /** The workers the dispatcher knows, live or stale ({@code GET /api/workers}). */
    public JsonNode workers() {
        HttpResponse<String> response = send(authorized(base.resolve("/api/workers")).build());
        if (response.statusCode() != 200) {
            throw new LocalStack.StackException("GET /api/workers answered " + response.statusCode() + ": " + response.body());
        }
        return read(response.body());
    }

    /** A request to the API with this client's token. */
    public HttpRequest.Builder authorized(URI uri) {
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token);
    }

    /**
     * Follows a build until it is SUCCEEDED, FAILED or CANCELLED, telling {@code progress} a line
     * per platform whenever a state changes.
     */
    public JsonNode follow(String id, Duration timeout, Consumer<String> progress) {
        Instant start = Instant.now();
        Instant deadline = start.plus(timeout);
        Map<String, String> last = new LinkedHashMap<>();
        while (true) {
            JsonNode build = build(id);
            String state = build.path("state").asText();
            Map<String, String> now = new LinkedHashMap<>();
            now.put("build", state);
            build.path("platforms").forEach(p -> now.put(p.path("platform").asText(), p.path("state").asText()));
            if (!now.equals(last)) {
                long elapsed = Duration.between(start, Instant.now()).toMillis();
                StringBuilder line = new StringBuilder(String.format("  %6.1f s  build %-10s", elapsed / 1000.0, state));
                build.path("platforms").forEach(p -> line.append(String.format(" | %s %-9s", p.path("platform").asText(),
                        p.path("state").asText())));
                progress.accept(line.toString());
                last = now;
            }
            if (state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED")) {
                return build;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new LocalStack.StackException(
                        "build " + id + " is still " + state + " after " + timeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LocalStack.StackException("interrupted");
            }
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new LocalStack.StackException("the dispatcher at " + base + " does not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalStack.StackException("interrupted");
        }
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
