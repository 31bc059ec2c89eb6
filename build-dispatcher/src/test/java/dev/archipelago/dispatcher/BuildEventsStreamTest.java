package dev.archipelago.dispatcher;

import static dev.archipelago.dispatcher.DispatcherFixture.*;
import static dev.archipelago.model.Platform.LINUX_AMD64;
import static dev.archipelago.model.Platform.LINUX_PPC64LE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
class BuildEventsStreamTest {

    private static final Pattern STATE = Pattern.compile("\"state\":\"([A-Z]+)\",\"attempt\"");

    @TestHTTPResource("/")
    URI base;

    @InjectGitRepository
    ScratchGitRepository git;
    @InjectKafkaClient
    KafkaTestClient kafka;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void streamsEveryStateChangeAndEndsAfterTheFinalState() throws Exception {
        String id = submitOk(tutorialRequest(git.url()));
        List<String> states = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> stream = follow(id, states);
        await().atMost(Duration.ofSeconds(10)).until(() -> !states.isEmpty());

        ArchBuildRequest amd64 = request(kafka, id, LINUX_AMD64, 1);
        ArchBuildRequest ppc64le = request(kafka, id, LINUX_PPC64LE, 1);
        publish(kafka, started(amd64));
        await().atMost(Duration.ofSeconds(10)).until(() -> states.contains("BUILDING"));
        publish(kafka, succeeded(amd64, DIGEST_AMD64));
        publish(kafka, succeeded(ppc64le, DIGEST_PPC64LE));
        await().atMost(Duration.ofSeconds(10)).until(() -> states.contains("ASSEMBLING"));
        publish(kafka, indexPushed(id, 1));

        stream.get(20, TimeUnit.SECONDS);
        List<String> distinct = new ArrayList<>();
        for (String state : states) {
            if (distinct.isEmpty() || !distinct.get(distinct.size() - 1).equals(state)) {
                distinct.add(state);
            }
        }
        assertThat(distinct).containsExactly("QUEUED", "BUILDING", "ASSEMBLING", "SUCCEEDED");
    }

    @Test
    void aLateClientGetsTheFinalStateAndTheStreamEnds() throws Exception {
        String id = submitOk(tutorialRequest(git.url()));
        given().post("/api/builds/" + id + "/cancel");
        List<String> states = new CopyOnWriteArrayList<>();

        follow(id, states).get(10, TimeUnit.SECONDS);

        assertThat(states).containsExactly("CANCELLED");
    }

    private static RequestSpecification given() {
        return RestAssured.given();
    }

    /** Reads the SSE stream in the background, collecting the build state of each event; completes when the stream ends. */
    private CompletableFuture<Void> follow(String id, List<String> states) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/builds/" + id + "/events"))
                .header("Accept", "text/event-stream").header("Authorization", ApiTokens.bearer(ApiTokens.VIEWER))
                .timeout(Duration.ofSeconds(60)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).thenAccept(response -> {
            assertThat(response.statusCode()).isEqualTo(200);
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    Matcher m = STATE.matcher(line);
                    if (line.startsWith("data:") && m.find()) {
                        states.add(m.group(1));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
