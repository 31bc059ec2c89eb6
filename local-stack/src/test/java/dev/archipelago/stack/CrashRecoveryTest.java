package dev.archipelago.stack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.archipelago.model.Platform;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.GitFixture;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Crashes of real service processes ({@code kill -9}) in the middle of real builds: a build
 * accepted with 202 still completes, and the index is pushed exactly once.
 */
class CrashRecoveryTest {

    private static RunningStack running;
    private static LocalStack stack;
    private static StackClient api;
    private static String base;

    @BeforeAll
    static void start() {
        running = RunningStack.start("archipelago-crash");
        stack = running.stack();
        api = running.api();
        base = running.base();
    }

    @AfterAll
    static void stop() {
        if (running != null) {
            running.close();
        }
    }

    @Test
    void aDispatcherKilledAfterAcceptingWhileTheBrokerWasDownPublishesTheRequestsWhenItComesBack() {
        try (GitFixture app = app("")) {
            String repository = stack.registryHost() + "/demos/outbox";
            stack.kill("kafka");

            String id = api.submit(request(app, repository));
            stack.kill("build-dispatcher");
            stack.restart("kafka");
            stack.restart("build-dispatcher");

            JsonNode build = api.follow(id, Duration.ofMinutes(4), System.out::println);
            assertThat(build.path("state").asText()).as(build.toString()).isEqualTo("SUCCEEDED");
            try (KafkaTestClient kafka = new KafkaTestClient("127.0.0.1:" + stack.ports().kafka())) {
                for (Platform platform : new Platform[]{Platform.LINUX_AMD64, Platform.LINUX_PPC64LE}) {
                    assertThat(kafka.readUntilEnd(Topics.requestsFor(platform), r -> id.equals(r.key())))
                            .as("requests of %s on %s", id, platform).hasSize(1);
                }
            }
        }
    }

    @Test
    void anAssemblerKilledBetweenTheFirstAndTheSecondResultPushesTheIndexOnce() {
        String slowOnPower = "RUN if [ \"$(uname -m)\" = ppc64le ]; then sleep 12; fi";
        try (GitFixture app = app(slowOnPower)) {
            String tag = "restart-" + UUID.randomUUID().toString().substring(0, 8);
            String repository = stack.registryHost() + "/demos/restart";
            String id = api.submit(request(app, repository).replace("\"tag\": \"v1\"", "\"tag\": \"" + tag + "\""));

            await().atMost(Duration.ofMinutes(2)).until(() -> assemblerHas(id, "linux/amd64"));
            stack.kill("manifest-assembler");
            await().atMost(Duration.ofMinutes(2)).until(() -> "SUCCEEDED".equals(api.build(id).path("platforms").get(1).path("state").asText()));
            assertThat(api.build(id).path("state").asText()).isEqualTo("ASSEMBLING");
            stack.restart("manifest-assembler");

            JsonNode build = api.follow(id, Duration.ofMinutes(2), System.out::println);
            assertThat(build.path("state").asText()).as(build.toString()).isEqualTo("SUCCEEDED");
            long puts = stack.registry().logLines().stream()
                    .filter(line -> line.contains("\"PUT /v2/demos/restart/manifests/" + tag + " ")).count();
            assertThat(puts).as("index PUTs").isEqualTo(1);
        }
    }

    private static boolean assemblerHas(String buildId, String platform) throws Exception {
        try (Connection c = DriverManager.getConnection(stack.databaseUrl("manifest-assembler"), TestDatabase.USER, TestDatabase.PASSWORD);
             PreparedStatement st = c.prepareStatement(
                     "SELECT count(*) FROM assembly_results WHERE build_id = ? AND platform = ? AND state = 'SUCCEEDED'")) {
            st.setString(1, buildId);
            st.setString(2, platform);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 1;
            }
        }
    }

    private static String request(GitFixture app, String repository) {
        return """
                {"source": {"git": "%s", "ref": "main"}, "image": {"repository": "%s", "tag": "v1"},
                 "platforms": ["linux/amd64", "linux/ppc64le"], "allowEmulation": true,
                 "buildArgs": {"BASE": "%s"}, "timeoutSeconds": 600}""".formatted(app.url(), repository, base);
    }

    private static GitFixture app(String extraStep) {
        GitFixture git = GitFixture.create();
        git.write("Dockerfile", "ARG BASE\nFROM ${BASE}\n" + extraStep + "\nRUN uname -m > /built-on\nCMD [\"cat\", \"/built-on\"]\n")
                .commit("app " + UUID.randomUUID());
        return git;
    }
}
