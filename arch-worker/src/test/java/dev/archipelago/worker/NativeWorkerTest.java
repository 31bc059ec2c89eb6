package dev.archipelago.worker;

import static dev.archipelago.worker.WorkerFixture.*;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.infra.Skopeo;
import dev.archipelago.infra.Tools;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.events.PinnedSource;
import dev.archipelago.model.events.Schema;
import dev.archipelago.model.events.WorkerHeartbeat;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.LogCapture;
import dev.archipelago.worker.source.HostileContexts;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** An amd64 worker on this amd64 host: real git, real buildah, real registries, real broker. */
@QuarkusTest
@TestProfile(NativeWorkerTest.Amd64.class)
@WithTestResource(KafkaBrokerResource.class)
class NativeWorkerTest {

    /** The management interface's root, {@code http://localhost:<port>/q/}. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    public static class Amd64 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return WorkerFixture.config("linux/amd64", false);
        }
    }

    @InjectKafkaClient
    KafkaTestClient kafka;
    @RegisterExtension
    static final LogCapture logs = new LogCapture();
    private static ScratchGitRepository app;

    @BeforeAll
    static void setUp() {
        app = busyboxRepository(Platform.LINUX_AMD64, "");
    }

    @AfterAll
    static void tearDown() {
        assertThat(logs.linesContaining(WRONG_PASSWORD)).as("log lines with the registry password").isEmpty();
        try (KafkaTestClient results = KafkaTestClient.forSharedBroker()) {
            assertThat(results.readUntilEnd(Topics.RESULTS, r -> r.value().contains(WRONG_PASSWORD))).as("events with it")
                    .isEmpty();
        }
        app.close();
    }

    @Test
    void buildsPushesAndReportsTheDigestTheRegistryHas() throws Exception {
        ArchBuildRequest request = request(Platform.LINUX_AMD64, app);
        send(kafka, request);

        ArchBuildEvent result = result(kafka, request);

        assertThat(result.type()).as(String.valueOf(result.error())).isEqualTo(ArchBuildEvent.Type.SUCCEEDED);
        assertThat(result.emulated()).isFalse();
        assertThat(result.workerId()).isEqualTo("test-worker-amd64");
        assertThat(result.filesVerified()).isGreaterThanOrEqualTo(1);
        String reference = request.image().repository() + ":" + request.image().archTag();
        assertThat(result.artifact().digest()).isEqualTo(Skopeo.inspect(reference).path("Digest").asText());
        assertThat(result.artifact().size()).isEqualTo(Skopeo.raw(reference).length);
        JsonNode config = Skopeo.inspect(reference, "--config");
        assertThat(config.path("architecture").asText()).isEqualTo("amd64");
        assertThat(config.path("config").path("Labels").path("org.opencontainers.image.revision").asText())
                .isEqualTo(app.head());
        assertThat(config.path("config").path("Labels").path("dev.archipelago.build-id").asText()).isEqualTo(request.buildId());
        assertThat(config.path("config").path("Labels").path("team").asText()).isEqualTo("platform");
        List<ArchBuildEvent> events = allEvents(kafka, request);
        assertThat(events).extracting(ArchBuildEvent::type).containsExactly(ArchBuildEvent.Type.STARTED,
                ArchBuildEvent.Type.SUCCEEDED);
    }

    @Test
    void buildsABundleThatTheCliPushedWithTheWorkersOwnCredentials() throws Exception {
        Path archive = HostileContexts.archive(Files.createTempFile("context", ".tar.gz"), tar -> {
            byte[] busybox = Files.readAllBytes(Tools.busybox(Platform.LINUX_AMD64));
            TarArchiveEntry binary = new TarArchiveEntry("busybox", TarConstants.LF_NORMAL, true);
            binary.setSize(busybox.length);
            binary.setMode(0755);
            tar.putArchiveEntry(binary);
            tar.write(busybox);
            tar.closeArchiveEntry();
            HostileContexts.file(tar, "Dockerfile",
                    "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"true\"]\n");
        });
        String bundle = pushBundle(archive);
        ArchBuildRequest request = bundleRequest(Platform.LINUX_AMD64, bundle);
        send(kafka, request);

        ArchBuildEvent result = result(kafka, request);

        assertThat(result.type()).as(String.valueOf(result.error())).isEqualTo(ArchBuildEvent.Type.SUCCEEDED);
        JsonNode labels = Skopeo.inspect(request.image().repository() + ":" + request.image().archTag(), "--config")
                .path("config").path("Labels");
        assertThat(labels.path("org.opencontainers.image.revision").asText()).as("the context's digest is its revision")
                .isEqualTo(bundle.substring(bundle.indexOf('@') + 1));
        assertThat(labels.has("org.opencontainers.image.source")).isFalse();
    }

    @Test
    void aHostileBundleFailsWithContextRefusedAndWritesNothingOutsideTheWorkFolder() throws Exception {
        Path marker = Path.of("/tmp/archipelago-pwned-" + UUID.randomUUID());
        Path archive = HostileContexts.archive(Files.createTempFile("hostile", ".tar.gz"), tar -> {
            HostileContexts.file(tar, "Dockerfile", "FROM scratch\n");
            HostileContexts.file(tar, "../../../../../../.." + marker, "pwned");
        });
        ArchBuildRequest request = bundleRequest(Platform.LINUX_AMD64, pushBundle(archive));
        send(kafka, request);

        ArchBuildEvent result = result(kafka, request);

        assertThat(result.type()).isEqualTo(ArchBuildEvent.Type.FAILED);
        assertThat(result.error().code()).isEqualTo(BuildErrorCode.CONTEXT_REFUSED);
        assertThat(result.error().message()).contains("the build context was refused").contains("climbs out with '..'");
        assertThat(marker).doesNotExist();
        assertThat(tagExists(open, request)).isFalse();
    }

    @Test
    void aSecondBuildOfTheSameSourceReusesEveryLayerFromTheCache() {
        ArchBuildRequest first = request(Platform.LINUX_AMD64, app);
        send(kafka, first);
        assertThat(result(kafka, first).type()).isEqualTo(ArchBuildEvent.Type.SUCCEEDED);
        ArchBuildRequest again = request(Platform.LINUX_AMD64, app);
        send(kafka, again);
        assertThat(result(kafka, again).type()).isEqualTo(ArchBuildEvent.Type.SUCCEEDED);

        // the RUN steps write files with the time they ran: only layers taken from the cache are byte for byte the same
        var firstLayers = Skopeo.inspect(first.image().repository() + ":" + first.image().archTag(), "--raw").path("layers");
        var againLayers = Skopeo.inspect(again.image().repository() + ":" + again.image().archTag(), "--raw").path("layers");
        assertThat(firstLayers.size()).isGreaterThanOrEqualTo(3);
        assertThat(againLayers).isEqualTo(firstLayers);
    }

    @Test
    void aRedeliveredRequestReEmitsTheResultWithoutBuildingAgain() {
        ArchBuildRequest request = request(Platform.LINUX_AMD64, app);
        send(kafka, request);
        ArchBuildEvent first = result(kafka, request);

        send(kafka, request);
        List<ArchBuildEvent> finals = results(kafka, request, 2);

        assertThat(finals.get(1)).isEqualTo(first);
        assertThat(allEvents(kafka, request)).filteredOn(e -> e.type() == ArchBuildEvent.Type.STARTED).hasSize(1);
    }

    @Test
    void aMissingDockerfileFailsAndPushesNothing() {
        ArchBuildRequest request = request(Platform.LINUX_AMD64, app, ".", "nope/Dockerfile", open.hostPort() + "/worker/app",
                300);
        send(kafka, request);

        ArchBuildEvent result = result(kafka, request);

        assertThat(result.error().code()).isEqualTo(BuildErrorCode.DOCKERFILE_NOT_FOUND);
        assertThat(result.error().message()).contains("nope/Dockerfile");
        assertThat(tagExists(open, request)).isFalse();
    }

    @Test
    void aFailingRunStepFailsWithTheLogTail() {
        try (ScratchGitRepository broken = busyboxRepository(Platform.LINUX_AMD64, "RUN echo about-to-fail && exit 7")) {
            ArchBuildRequest request = request(Platform.LINUX_AMD64, broken);
            send(kafka, request);

            ArchBuildEvent result = result(kafka, request);

            assertThat(result.error().code()).isEqualTo(BuildErrorCode.BUILD_FAILED);
            assertThat(result.error().logTail()).anyMatch(line -> line.contains("about-to-fail"));
            assertThat(result.error().logTail()).hasSizeLessThanOrEqualTo(50);
            assertThat(tagExists(open, request)).isFalse();
        }
    }

    @Test
    void anUnreachableRepositoryFailsTheFetch() {
        ArchBuildRequest base = request(Platform.LINUX_AMD64, app);
        ArchBuildRequest request = new ArchBuildRequest(Schema.CURRENT, base.buildId(), 1, base.platform(), base.platforms(),
                PinnedSource.ofCommit("https://127.0.0.1:9/nothing.git", "main", app.head(), ".", "Dockerfile"), base.image(),
                null, null, 300, false, Instant.now(), false);
        send(kafka, request);

        ArchBuildEvent result = result(kafka, request);

        assertThat(result.error().code()).isEqualTo(BuildErrorCode.SOURCE_FETCH_FAILED);
        assertThat(result.error().message()).contains("https://127.0.0.1:9/nothing.git");
        assertThat(tagExists(open, request)).isFalse();
    }

    @Test
    void credentialsTheRegistryRefusesFailWithPushUnauthorized() {
        ArchBuildRequest request = request(Platform.LINUX_AMD64, app, ".", "Dockerfile", locked.hostPort() + "/worker/app",
                300);
        send(kafka, request);

        ArchBuildEvent result = result(kafka, request);

        assertThat(result.error().code()).isEqualTo(BuildErrorCode.PUSH_UNAUTHORIZED);
        assertThat(result.error().message()).contains(locked.hostPort());
        assertThat(EventJson.encodeToString(result)).doesNotContain(WRONG_PASSWORD).doesNotContain(REAL_PASSWORD);
        assertThat(tagExists(locked, request)).isFalse();
    }

    @Test
    void aBuildThatOutlivesItsTimeoutFailsWithTimeout() {
        try (ScratchGitRepository slow = busyboxRepository(Platform.LINUX_AMD64, "RUN sleep 60 && echo " + UUID.randomUUID())) {
            ArchBuildRequest request = request(Platform.LINUX_AMD64, slow, ".", "Dockerfile", open.hostPort() + "/worker/app",
                    5);
            send(kafka, request);

            ArchBuildEvent result = result(kafka, request);

            assertThat(result.error().code()).isEqualTo(BuildErrorCode.TIMEOUT);
            assertThat(tagExists(open, request)).isFalse();
        }
    }

    @Test
    void aCancelStopsTheRunningBuild() {
        try (ScratchGitRepository slow = busyboxRepository(Platform.LINUX_AMD64, "RUN sleep 60 && echo " + UUID.randomUUID())) {
            ArchBuildRequest request = request(Platform.LINUX_AMD64, slow);
            send(kafka, request);
            kafka.read(Topics.RESULTS, r -> request.buildId().equals(r.key()), 1, Duration.ofSeconds(30));

            cancel(kafka, request);
            ArchBuildEvent result = result(kafka, request);

            assertThat(result.error().code()).isEqualTo(BuildErrorCode.CANCELLED);
            assertThat(Duration.between(request.requestedAt(), result.occurredAt())).isLessThan(Duration.ofSeconds(50));
            assertThat(tagExists(open, request)).isFalse();
        }
    }

    @Test
    void aContextOrDockerfileOutsideTheCheckoutIsRefused() {
        try (ScratchGitRepository sneaky = busyboxRepository(Platform.LINUX_AMD64, "")) {
            sneaky.symlink("escape/Dockerfile", "/etc/hostname").symlink("outside", "/tmp").commit("links");
            ArchBuildRequest upward = request(Platform.LINUX_AMD64, sneaky, "../..", "Dockerfile",
                    open.hostPort() + "/worker/app", 300);
            ArchBuildRequest linkedFile = request(Platform.LINUX_AMD64, sneaky, ".", "escape/Dockerfile",
                    open.hostPort() + "/worker/app", 300);
            ArchBuildRequest linkedDir = request(Platform.LINUX_AMD64, sneaky, "outside", "Dockerfile",
                    open.hostPort() + "/worker/app", 300);
            send(kafka, upward);
            send(kafka, linkedFile);
            send(kafka, linkedDir);

            for (ArchBuildRequest request : List.of(upward, linkedFile, linkedDir)) {
                ArchBuildEvent result = result(kafka, request);
                assertThat(result.error().code()).as(request.source().contextDir() + " " + request.source().dockerfile())
                        .isEqualTo(BuildErrorCode.PATH_ESCAPE);
                assertThat(tagExists(open, request)).isFalse();
            }
        }
    }

    @Test
    void noMoreBuildsRunAtOnceThanTheConcurrencyLimit() {
        try (ScratchGitRepository slow = busyboxRepository(Platform.LINUX_AMD64, "RUN sleep 3 && echo " + UUID.randomUUID())) {
            List<ArchBuildRequest> requests = List.of(request(Platform.LINUX_AMD64, slow), request(Platform.LINUX_AMD64, slow),
                    request(Platform.LINUX_AMD64, slow));
            requests.forEach(r -> send(kafka, r));

            List<ArchBuildEvent> finished = requests.stream().map(r -> result(kafka, r)).toList();
            List<Instant> starts = requests.stream().map(r -> allEvents(kafka, r).get(0).occurredAt()).sorted().toList();
            Instant firstFinish = finished.stream().map(ArchBuildEvent::occurredAt).min(Comparator.naturalOrder())
                    .orElseThrow();

            assertThat(finished).allSatisfy(e -> assertThat(e.type()).isEqualTo(ArchBuildEvent.Type.SUCCEEDED));
            assertThat(starts.get(1)).as("two builds run at once").isBefore(firstFinish);
            assertThat(starts.get(2)).as("the third build waits for a free slot (limit 2)").isAfterOrEqualTo(firstFinish);
        }
    }

    @Test
    void sendsHeartbeatsAndIsReadyWhenBuildahAnswers() {
        List<KafkaTestClient.Received> beats = kafka.read(Topics.HEARTBEATS, r -> "test-worker-amd64".equals(r.key()), 1,
                Duration.ofSeconds(20));
        WorkerHeartbeat heartbeat = EventJson.decode(beats.get(0).value(), WorkerHeartbeat.class);
        assertThat(heartbeat.platform()).isEqualTo(Platform.LINUX_AMD64);
        assertThat(heartbeat.capacity()).isEqualTo(2);
        assertThat(heartbeat.executor()).isEqualTo("buildah");
        given().baseUri(management.toString()).get("health/ready").then().statusCode(200).body("checks.name",
                hasItem("buildah"));
        given().baseUri(management.toString()).get("metrics").then().statusCode(200)
                .body(Matchers.containsString("archipelago_worker_builds"));
    }

    @Test
    void unreadableRequestsGoToTheDeadLetterQueue() {
        String key = "garbage-" + UUID.randomUUID();
        kafka.send(Topics.requestsFor(Platform.LINUX_AMD64), key, "{\"schema\": 1}");
        assertThat(kafka.read(Topics.DLQ, r -> key.equals(r.key()), 1, Duration.ofSeconds(30))).singleElement()
                .satisfies(r -> assertThat(r.header(Topics.DLQ_REASON_HEADER)).contains("ArchBuildRequest"));
    }
}
