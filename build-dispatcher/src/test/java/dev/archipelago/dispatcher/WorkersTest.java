package dev.archipelago.dispatcher;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

@QuarkusTest
@TestProfile(WorkersTest.RequireLiveWorkers.class)
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
class WorkersTest {

    public static class RequireLiveWorkers implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("archipelago.dispatcher.require-live-workers", "true",
                    "archipelago.dispatcher.scaled-from-zero", "linux/arm64");
        }
    }

    @InjectGitRepository
    ScratchGitRepository git;
    @InjectKafkaClient
    KafkaTestClient kafka;
    private static boolean heartbeatsSent;
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void heartbeatsOnce() {
        if (heartbeatsSent) {
            return;
        }
        heartbeatsSent = true;
        heartbeat("amd64-" + RUN, Platform.LINUX_AMD64, false, Instant.now());
        heartbeat("ppc64le-emu-" + RUN, Platform.LINUX_PPC64LE, true, Instant.now());
        // the dispatcher's consumer reads the topic by now; until it does, a short-lived heartbeat
        // could be read after its allowance and, rightly, be passed over as backlog
        await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/api/workers").jsonPath()
                .getList("workerId").containsAll(List.of("amd64-" + RUN, "ppc64le-emu-" + RUN)));
        // a worker that beats every second and then stops: stale three seconds later
        heartbeat("s390x-old-" + RUN, Platform.LINUX_S390X, false, 1, Instant.now());
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/api/workers").jsonPath()
                .getList("workerId").contains("s390x-old-" + RUN));
        await().atMost(Duration.ofSeconds(20)).until(() -> !given().get("/api/workers").jsonPath()
                .getBoolean("find { it.workerId == 's390x-old-" + RUN + "' }.live"));
    }

    @Test
    void listsWorkersFromTheirHeartbeatsLiveOrStale() {
        var workers = given().get("/api/workers").then().statusCode(200).extract().jsonPath();

        assertThat(workers.getBoolean("find { it.workerId == 'amd64-" + RUN + "' }.live")).isTrue();
        assertThat(workers.getBoolean("find { it.workerId == 'ppc64le-emu-" + RUN + "' }.emulated")).isTrue();
        assertThat(workers.getInt("find { it.workerId == 'ppc64le-emu-" + RUN + "' }.capacity")).isEqualTo(2);
        assertThat(workers.getString("find { it.workerId == 'amd64-" + RUN + "' }.version")).isEqualTo("0.1.0");
        assertThat(workers.getBoolean("find { it.workerId == 's390x-old-" + RUN + "' }.live"))
                .as("three missed heartbeats make a worker stale").isFalse();
    }

    @Test
    void refusesAPlatformWithNoLiveWorkerListingTheLiveOnes() {
        Response response = DispatcherFixture.submit(body("[\"linux/amd64\", \"linux/s390x\"]", false));

        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.jsonPath().getString("detail"))
                .contains("no live worker for linux/s390x")
                .contains("live platforms: linux/amd64, linux/ppc64le (emulated)");
    }

    @Test
    void acceptsAnEmulatedPlatformOnlyWhenTheRequestAllowsEmulation() {
        Response refused = DispatcherFixture.submit(body("[\"linux/amd64\", \"linux/ppc64le\"]", false));
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.jsonPath().getString("detail")).contains("only an emulating worker is live; set allowEmulation");

        assertThat(DispatcherFixture.submit(body("[\"linux/amd64\", \"linux/ppc64le\"]", true)).statusCode()).isEqualTo(202);
    }

    @Test
    void acceptsAPlatformWhoseWorkersScaleFromZeroWithNoLiveWorker() {
        assertThat(DispatcherFixture.submit(body("[\"linux/amd64\", \"linux/arm64\"]", false)).statusCode()).isEqualTo(202);

        Response refused = DispatcherFixture.submit(body("[\"linux/arm64\", \"linux/s390x\"]", false));
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.jsonPath().getString("detail")).contains("no live worker for linux/s390x").doesNotContain("arm64");
    }

    @Test
    void passesOverTheBacklogOfStaleHeartbeatsThatAnOutageLeaves() {
        // what a broker or database outage leaves on the topic: minutes of heartbeats, then fresh ones;
        // all on one partition (one key), so they are read in this order
        String back = "amd64-back-" + RUN;
        String gone = "amd64-gone-" + RUN;
        Instant outageStart = Instant.now().minusSeconds(300);
        for (int i = 0; i < 300; i++) {
            heartbeat(gone, back, Platform.LINUX_AMD64, false, 10, outageStart.plusMillis(500L * i));
            heartbeat(back, back, Platform.LINUX_AMD64, false, 10, outageStart.plusMillis(500L * i));
        }
        Instant fresh = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        heartbeat(back, back, Platform.LINUX_AMD64, false, 10, fresh);

        await().atMost(Duration.ofSeconds(20))
                .until(() -> given().get("/api/workers").jsonPath().getList("workerId").contains(back));
        var workers = given().get("/api/workers").then().statusCode(200).extract().jsonPath();
        assertThat(workers.getBoolean("find { it.workerId == '" + back + "' }.live")).isTrue();
        assertThat(Instant.parse(workers.getString("find { it.workerId == '" + back + "' }.lastSeen"))).isEqualTo(fresh);
        assertThat(workers.getList("workerId")).as("a worker known only from stale heartbeats is not listed")
                .doesNotContain(gone);
    }

    private String body(String platforms, boolean allowEmulation) {
        return """
                {"source": {"git": "%s"}, "image": {"repository": "quay.io/org/demos", "tag": "v1"},
                 "platforms": %s, "allowEmulation": %s}""".formatted(git.url(), platforms, allowEmulation);
    }

    private void heartbeat(String id, Platform platform, boolean emulated, Instant sentAt) {
        heartbeat(id, platform, emulated, 10, sentAt);
    }

    private void heartbeat(String id, Platform platform, boolean emulated, int intervalSeconds, Instant sentAt) {
        heartbeat(id, id, platform, emulated, intervalSeconds, sentAt);
    }

    private void heartbeat(String id, String key, Platform platform, boolean emulated, int intervalSeconds, Instant sentAt) {
        WorkerHeartbeat heartbeat = new WorkerHeartbeat(Schema.CURRENT, id, platform, emulated, "0.1.0", "buildah", 2, 0,
                intervalSeconds,
                sentAt);
        kafka.send(Topics.HEARTBEATS, key, EventJson.encodeToString(heartbeat));
    }
}
