package dev.archipelago.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The dispatcher's API as the CLI calls it, with a bearer token. A refusal becomes a one-line
 * {@link CliException} carrying the API's own {@code detail}; an API that cannot be reached says
 * where the CLI looked and how to point it elsewhere.
 */
final class DispatcherClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String api;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    DispatcherClient(String api, String token) {
        this.api = api;
        this.token = token;
    }

    String api() {
        return api;
    }

    /** Submits a build; returns its view (202). */
    JsonNode submit(byte[] request) {
        return call(builder("/api/builds").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request)), 202);
    }

    JsonNode build(String id) {
        return call(builder("/api/builds/" + encode(id)).GET(), 200);
    }

    JsonNode builds(String state, int limit) {
        String query = "?limit=" + limit + (state == null ? "" : "&state=" + encode(state));
        return call(builder("/api/builds" + query).GET(), 200);
    }

    JsonNode workers() {
        return call(builder("/api/workers").GET(), 200);
    }

    JsonNode retry(String id) {
        return call(builder("/api/builds/" + encode(id) + "/retry").POST(HttpRequest.BodyPublishers.noBody()), 200);
    }

    JsonNode cancel(String id) {
        return call(builder("/api/builds/" + encode(id) + "/cancel").POST(HttpRequest.BodyPublishers.noBody()), 200);
    }

    /**
     * Reads the build's Server-Sent Events (each one the whole build), giving each to
     * {@code onView} until it returns true (the build is final) or the stream ends; returns the
     * last view seen, or null when the stream ended before any.
     */
    JsonNode events(String id, Predicate<JsonNode> onView) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(builder("/api/builds/" + encode(id) + "/events")
                .header("Accept", "text/event-stream").timeout(Duration.ofDays(2)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes(64 * 1024);
            }
            throw refusal(response.statusCode(), body);
        }
        JsonNode last = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            StringBuilder data = new StringBuilder();
            for (String line; (line = reader.readLine()) != null;) {
                if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                } else if (line.isEmpty() && data.length() > 0) {
                    last = JSON.readTree(data.toString());
                    data.setLength(0);
                    if (onView.test(last)) {
                        return last;
                    }
                }
            }
        }
        return last;
    }

    private HttpRequest.Builder builder(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(60))
                .header("Accept", "application/json");
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private JsonNode call(HttpRequest.Builder request, int expected) {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw CliException.unreachable("cannot reach the API at " + api + " (" + (e instanceof HttpConnectTimeoutException
                    ? "no answer within 10 s"
                    : "connection refused") + "): is the dispatcher running? Point the CLI at it with "
                    + "ARCHIPELAGO_API or `archipelago login --api URL`");
        } catch (IOException e) {
            throw CliException.unreachable("the API at " + api + " broke off: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.unreachable("interrupted while calling the API");
        }
        if (response.statusCode() != expected) {
            throw refusal(response.statusCode(), response.body());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw CliException.unreachable("the API at " + api + " answered something that is not JSON");
        }
    }

    /** The API's own words for a refusal: its problem's detail, or what the status means. */
    private CliException refusal(int status, byte[] body) {
        String detail = null;
        try {
            detail = JSON.readTree(body).path("detail").asText(null);
        } catch (IOException e) {
            // not a problem document: say what the status means
        }
        if (status == 401) {
            return CliException.refused("the API at " + api + " refused the token (401"
                    + (detail == null ? "" : ": " + detail) + "): run `archipelago login`, or set ARCHIPELAGO_TOKEN");
        }
        String text = detail != null ? detail : "HTTP " + status + " from " + api;
        return status >= 500 ? CliException.unreachable(text) : CliException.refused(text);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
