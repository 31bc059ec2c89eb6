package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.Platform;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.KafkaTestClient;

/**
 * A dispatcher killed ({@code kill -9}) right after accepting a build while the broker was down:
 * the build still completes when both are back, with one request per platform. The other faults
 * are in {@link FaultInjectionTest}.
 */
class CrashRecoveryTest {

    @RegisterExtension
    static final RunningStack running = new RunningStack("archipelago-crash");

    @Test
    void aDispatcherKilledAfterAcceptingWhileTheBrokerWasDownPublishesTheRequestsWhenItComesBack() {
        try (ScratchGitRepository app = app("")) {
            String repository = running.stack().registryHost() + "/demos/outbox";
            running.stack().killService("kafka");

            String id = running.api().submit(request(app, repository));
            running.stack().killService("build-dispatcher");
            running.stack().restartService("kafka");
            running.stack().restartService("build-dispatcher");

            JsonNode build = running.api().follow(id, Duration.ofMinutes(4), System.out::println);
            assertThat(build.path("state").asText()).as(build.toString()).isEqualTo("SUCCEEDED");
            try (KafkaTestClient kafka = new KafkaTestClient("127.0.0.1:" + running.stack().ports().kafka())) {
                for (Platform platform : new Platform[] { Platform.LINUX_AMD64, Platform.LINUX_PPC64LE }) {
                    assertThat(kafka.readUntilEnd(Topics.requestsFor(platform), r -> id.equals(r.key())))
                            .as("requests of %s on %s", id, platform).hasSize(1);
                }
            }
        }
    }

    private static String request(ScratchGitRepository app, String repository) {
        return """
                {"source": {"git": "%s", "ref": "main"}, "image": {"repository": "%s", "tag": "v1"},
                 "platforms": ["linux/amd64", "linux/ppc64le"], "allowEmulation": true,
                 "buildArgs": {"BASE": "%s"}, "timeoutSeconds": 600}""".formatted(app.url(), repository, running.base());
    }

    private static ScratchGitRepository app(String extraStep) {
        ScratchGitRepository git = ScratchGitRepository.create();
        git.write("Dockerfile",
                "ARG BASE\nFROM ${BASE}\n" + extraStep + "\nRUN uname -m > /built-on\nCMD [\"cat\", \"/built-on\"]\n")
                .commit("app " + UUID.randomUUID());
        return git;
    }
}
