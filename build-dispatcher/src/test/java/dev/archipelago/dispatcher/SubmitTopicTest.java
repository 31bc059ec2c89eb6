package dev.archipelago.dispatcher;

import static dev.archipelago.model.Platform.LINUX_AMD64;
import static dev.archipelago.model.Platform.LINUX_PPC64LE;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.archipelago.infra.FreePorts;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.Schema;
import dev.archipelago.model.events.WorkerHeartbeat;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Builds submitted as records on archipelago.builds.submit, by producers that never call HTTP,
 * under the one failure policy: invalid records go to the dead-letter queue; conditions that pass
 * do not (a git host that does not answer is waited for; a platform with no live worker stores the
 * build FAILED, visibly, and it can be retried).
 */
@QuarkusTest
@TestProfile(SubmitTopicTest.LiveWorkersAndAShortGitTimeout.class)
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
class SubmitTopicTest {

    /** The management interface's root, {@code http://localhost:<port>/q/}. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    public static class LiveWorkersAndAShortGitTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("archipelago.dispatcher.require-live-workers", "true", "archipelago.dispatcher.git-timeout", "2s");
        }
    }

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    @InjectGitRepository
    ScratchGitRepository git;
    @InjectKafkaClient
    KafkaTestClient kafka;

    private static boolean workersLive;

    @BeforeEach
    void liveWorkersOnce() {
        if (workersLive) {
            return;
        }
        heartbeat("amd64-" + RUN, LINUX_AMD64);
        heartbeat("ppc64le-" + RUN, LINUX_PPC64LE);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/workers").jsonPath().getList("workerId")
                .containsAll(List.of("amd64-" + RUN, "ppc64le-" + RUN)));
        workersLive = true;
    }

    @Test
    void aSubmittedRecordIsHandledLikeThePostAndMakesOneBuild() {
        String repository = "127.0.0.1:5000/submit-" + UUID.randomUUID().toString().substring(0, 8);
        String body = DispatcherFixture.tutorialRequest(git.url()).replace("127.0.0.1:5000/demos", repository);

        kafka.send(Topics.SUBMIT, "client-key", body);

        List<KafkaTestClient.Received> amd64 = kafka.read(Topics.requestsFor(LINUX_AMD64),
                r -> r.value().contains(repository), 1, Duration.ofSeconds(30));
        assertThat(amd64).hasSize(1);
        String buildId = amd64.get(0).key();
        assertThat(kafka.read(Topics.requestsFor(LINUX_PPC64LE), r -> buildId.equals(r.key()), 1, Duration.ofSeconds(30)))
                .hasSize(1);
        assertThat(amd64.get(0).value()).contains(git.head());
        given().get("/api/builds/" + buildId).then().statusCode(200);
    }

    @Test
    void invalidRecordsGoToTheDeadLetterQueueWithTheReasonAndTheConsumerGoesOn() {
        String marker = UUID.randomUUID().toString();
        String invalid = DispatcherFixture.tutorialRequest(git.url()).replace("\"ppc64el\"",
                "\"ppc64el\", \"sparc-" + marker + "\"");
        kafka.send(Topics.SUBMIT, "bad-" + marker, invalid);
        kafka.send(Topics.SUBMIT, "garbage-" + marker, new byte[] { (byte) 0xff, 0x00, 0x13 });
        String repository = "127.0.0.1:5000/after-" + marker.substring(0, 8);
        kafka.send(Topics.SUBMIT, "good-" + marker,
                DispatcherFixture.tutorialRequest(git.url()).replace("127.0.0.1:5000/demos", repository));

        List<KafkaTestClient.Received> dead = kafka.read(Topics.DLQ,
                r -> r.key() != null && r.key().endsWith(marker), 2, Duration.ofSeconds(30));

        assertThat(dead).hasSize(2);
        assertThat(dead).filteredOn(r -> r.key().startsWith("bad-")).singleElement()
                .satisfies(
                        r -> assertThat(r.header(Topics.DLQ_REASON_HEADER)).contains("unknown platform 'sparc-" + marker + "'"))
                .satisfies(r -> assertThat(r.header(Topics.DLQ_CONSUMER_HEADER)).isEqualTo("build-dispatcher/submissions-in"));
        assertThat(dead).filteredOn(r -> r.key().startsWith("garbage-")).singleElement()
                .satisfies(r -> assertThat(r.header(Topics.DLQ_REASON_HEADER)).contains("malformed JSON"));
        assertThat(kafka.read(Topics.requestsFor(LINUX_AMD64), r -> r.value().contains(repository), 1, Duration.ofSeconds(30)))
                .as("a valid record after the bad ones is still processed").hasSize(1);
    }

    @Test
    void aRecordForAPlatformWithNoLiveWorkerIsStoredFailedVisiblyNotDeadLetteredAndCanBeRetried() {
        String key = "no-worker-" + RUN;
        String repository = "127.0.0.1:5000/no-worker-" + RUN;
        kafka.send(Topics.SUBMIT, key, request(git.url(), repository, "[\"linux/amd64\", \"linux/arm64\"]"));

        JsonPath build = await().atMost(Duration.ofSeconds(30)).until(() -> newestOf(repository), b -> b != null);
        assertThat(build.getString("state")).isEqualTo("FAILED");
        assertThat(build.getString("error.code")).isEqualTo("NO_LIVE_WORKER");
        assertThat(build.getString("error.message")).contains("no live worker for linux/arm64").contains("retry the build");
        assertThat(build.getList("platforms.error.code")).containsOnly("NO_LIVE_WORKER");
        assertThat(kafka.readAll(Topics.DLQ, key)).as("not dead-lettered").isEmpty();
        String id = build.getString("id");
        assertThat(kafka.readAll(Topics.requestsFor(LINUX_AMD64), id)).as("nothing was sent to a worker").isEmpty();

        heartbeat("arm64-" + RUN, Platform.LINUX_ARM64);
        given().post("/api/builds/" + id + "/retry").then().statusCode(200);
        assertThat(kafka.read(Topics.requestsFor(Platform.LINUX_ARM64), r -> id.equals(r.key()), 1, Duration.ofSeconds(30)))
                .hasSize(1);
        assertThat(kafka.read(Topics.requestsFor(LINUX_AMD64), r -> id.equals(r.key()), 1, Duration.ofSeconds(30))).hasSize(1);
    }

    @Test
    void aGitHostThatDoesNotAnswerIsWaitedForNotDeadLetteredAndTheRecordBuildsOnceItAnswers() throws Exception {
        String key = "git-silent-" + RUN;
        String repository = "127.0.0.1:5000/git-silent-" + RUN;
        int daemonPort = FreePorts.next();
        Process daemon = new ProcessBuilder("git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1",
                "--port=" + daemonPort, "--base-path=" + git.directory().getParent(), git.directory().getParent().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (SilentThenForwarding host = new SilentThenForwarding(daemonPort)) {
            kafka.send(Topics.SUBMIT, key, request("git://127.0.0.1:" + host.port() + "/" + git.directory().getFileName(),
                    repository, "[\"linux/amd64\"]"));

            // readiness names the waiting record; nothing is dead-lettered and no build is stored meanwhile
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> given().baseUri(management.toString()).get("health/ready").statusCode() == 503);
            assertThat(given().baseUri(management.toString()).get("health/ready").asString()).contains("submissions-in")
                    .contains("did not answer within 2 s");
            await().atMost(Duration.ofSeconds(30)).until(() -> host.held() > 1);
            assertThat(kafka.readAll(Topics.DLQ, key)).isEmpty();
            assertThat(newestOf(repository)).isNull();

            host.answer();

            JsonPath accepted = await().atMost(Duration.ofSeconds(60)).until(() -> newestOf(repository), b -> b != null);
            assertThat(accepted.getString("commit")).isEqualTo(git.head());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> given().baseUri(management.toString()).get("health/ready").statusCode() == 200);
            assertThat(kafka.readAll(Topics.DLQ, key)).isEmpty();
        } finally {
            daemon.destroy();
            daemon.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A git host on a loopback port that first accepts connections and never answers (as a host
     * behind a black hole does), then, after {@link #answer()}, forwards new ones to a real {@code git daemon}.
     */
    private static final class SilentThenForwarding implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> held = new CopyOnWriteArrayList<>();
        private volatile boolean forwarding;

        SilentThenForwarding(int daemonPort) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket client = server.accept();
                        if (!forwarding) {
                            held.add(client);
                            continue;
                        }
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), daemonPort);
                        pipe(client, upstream);
                        pipe(upstream, client);
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "git-host");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int held() {
            return held.size();
        }

        /** New connections are answered; the held ones stay silent until git gives up on them (its timeout). */
        void answer() {
            forwarding = true;
        }

        private static void pipe(Socket from, Socket to) {
            Thread copy = new Thread(() -> {
                try (var in = from.getInputStream(); var out = to.getOutputStream()) {
                    in.transferTo(out);
                } catch (IOException e) {
                    // one side closed
                } finally {
                    try {
                        to.shutdownOutput();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            }, "git-pipe");
            copy.setDaemon(true);
            copy.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    private static String request(String gitUrl, String repository, String platforms) {
        return """
                {"source": {"git": "%s", "ref": "main"}, "image": {"repository": "%s", "tag": "v1"},
                 "platforms": %s}""".formatted(gitUrl, repository, platforms);
    }

    /** The newest build of a repository, or null. */
    private static JsonPath newestOf(String repository) {
        List<Map<String, Object>> builds = given().get("/api/builds?limit=200").jsonPath().getList("$");
        return builds.stream().filter(b -> repository.equals(((Map<?, ?>) b.get("image")).get("repository"))).findFirst()
                .map(b -> given().get("/api/builds/" + b.get("id")).jsonPath()).orElse(null);
    }

    private void heartbeat(String id, Platform platform) {
        WorkerHeartbeat heartbeat = new WorkerHeartbeat(Schema.CURRENT, id, platform, false, "0.1.0", "buildah", 2, 0, 600,
                Instant.now());
        kafka.send(Topics.HEARTBEATS, id, EventJson.encodeToString(heartbeat));
    }
}
