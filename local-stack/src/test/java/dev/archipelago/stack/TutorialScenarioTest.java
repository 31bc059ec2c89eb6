package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.infra.Buildah;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.infra.Skopeo;
import dev.archipelago.model.Platform;

/**
 * The tutorial's scenario end to end: every service as its own process against the real broker,
 * PostgreSQL and registry, with the tutorial's naming; the index checked from outside the system
 * with skopeo, and each platform's image run. Then a build that fails only on ppc64le, and its fix.
 * Last, the services' logs of all this (a clean start, successful and failing builds) hold no
 * ERROR and no stack trace.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TutorialScenarioTest {

    @RegisterExtension
    static final RunningStack running = new RunningStack("archipelago-e2e");

    @Test
    @Order(1)
    void theTutorialsBuildWithItsNamingRunsOnBothArchitectures() throws Exception {
        try (ScratchGitRepository app = appRepository("")) {
            String repository = running.stack().registryHost() + "/demos";
            String id = running.api().submit("""
                    {"source": {"git": "%s", "ref": "main"},
                     "image": {"repository": "%s", "tag": "gitlab-pyflask",
                               "archTags": {"x86": "gitlab-pyflask-x86"}, "indexTags": ["gitlab-pyflask-multiarch"]},
                     "platforms": ["linux/amd64", "linux/ppc64le"], "allowEmulation": true,
                     "buildArgs": {"BASE": "%s"}, "timeoutSeconds": 600}""".formatted(app.url(), repository, running.base()));

            JsonNode build = running.api().follow(id, Duration.ofMinutes(5), System.out::println);

            assertThat(build.path("state").asText()).as(build.toString()).isEqualTo("SUCCEEDED");
            assertThat(build.path("commit").asText()).isEqualTo(app.head());
            JsonNode index = Skopeo.inspect(repository + ":gitlab-pyflask-multiarch", "--raw");
            assertThat(index.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
            assertThat(index.path("manifests")).hasSize(2);
            String x86 = Skopeo.inspect(repository + ":gitlab-pyflask-x86").path("Digest").asText();
            String ppc = Skopeo.inspect(repository + ":gitlab-pyflask-ppc64le").path("Digest").asText();
            assertThat(index.path("manifests").get(0).path("digest").asText()).isEqualTo(x86);
            assertThat(index.path("manifests").get(0).path("platform").path("architecture").asText()).isEqualTo("amd64");
            assertThat(index.path("manifests").get(1).path("digest").asText()).isEqualTo(ppc);
            assertThat(index.path("manifests").get(1).path("platform").path("architecture").asText()).isEqualTo("ppc64le");
            assertThat(index.path("manifests").get(1).path("annotations").path("dev.archipelago.emulated").asText())
                    .isEqualTo("true");
            assertThat(index.path("annotations").path("org.opencontainers.image.revision").asText()).isEqualTo(app.head());
            assertThat(build.path("index").path("digest").asText())
                    .isEqualTo(Skopeo.inspect(repository + ":gitlab-pyflask-multiarch").path("Digest").asText());

            try (Buildah buildah = Buildah.isolated()) {
                for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE)) {
                    assertThat(buildah.runIn(repository + ":gitlab-pyflask-multiarch", platform, "/usr/local/bin/hello"))
                            .startsWith(
                                    "Hello from " + platform.unameMachine() + " (built on " + platform.unameMachine() + ")");
                }
            }
        }
    }

    @Test
    @Order(2)
    void aBuildThatFailsOnlyOnPpc64lePushesNoIndexAndItsFixSucceeds() {
        String check = "RUN if [ \"$(uname -m)\" = ppc64le ]; then echo 'this app does not support ppc64le yet' >&2; exit 3; fi";
        try (ScratchGitRepository app = appRepository(check)) {
            String repository = running.stack().registryHost() + "/demos/fragile";
            String request = """
                    {"source": {"git": "%s", "ref": "main"},
                     "image": {"repository": "%s", "tag": "v1"},
                     "platforms": ["linux/amd64", "linux/ppc64le"], "allowEmulation": true,
                     "buildArgs": {"BASE": "%s"}, "timeoutSeconds": 600}""".formatted(app.url(), repository, running.base());

            JsonNode failed = running.api().follow(running.api().submit(request), Duration.ofMinutes(5), System.out::println);

            assertThat(failed.path("state").asText()).isEqualTo("FAILED");
            JsonNode ppc = failed.path("platforms").get(1);
            assertThat(ppc.path("platform").asText()).isEqualTo("linux/ppc64le");
            assertThat(ppc.path("state").asText()).isEqualTo("FAILED");
            assertThat(ppc.path("error").path("code").asText()).isEqualTo("BUILD_FAILED");
            assertThat(ppc.path("error").path("logTail").toString()).contains("this app does not support ppc64le yet");
            assertThat(failed.path("error").path("message").asText()).contains("linux/ppc64le");
            assertThat(
                    running.stack().registry().get("/v2/demos/fragile/manifests/v1", "application/vnd.oci.image.index.v1+json")
                            .statusCode())
                    .as("no index tag").isEqualTo(404);

            app.write("Dockerfile", dockerfile("")).commit("support ppc64le");
            JsonNode fixed = running.api().follow(running.api().submit(request), Duration.ofMinutes(5), System.out::println);

            assertThat(fixed.path("state").asText()).isEqualTo("SUCCEEDED");
            assertThat(fixed.path("commit").asText()).isEqualTo(app.head());
            assertThat(
                    running.stack().registry().get("/v2/demos/fragile/manifests/v1", "application/vnd.oci.image.index.v1+json")
                            .statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    @Order(3)
    void noServiceLoggedAnErrorOrAStackTrace() throws IOException {
        Pattern error = Pattern.compile("^\\S+ \\S+ ERROR |^\\tat |^Caused by: |Exception: ");
        List<String> found = new ArrayList<>();
        for (String service : running.stack().serviceNames()) {
            Path log = running.stack().home().resolve("logs").resolve(service + ".log");
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            assertThat(lines).as(service + "'s log").anySatisfy(line -> assertThat(line).contains(" INFO "));
            lines.stream().filter(line -> error.matcher(line).find()).limit(5)
                    .forEach(line -> found.add(service + ": " + line));
        }
        assertThat(found).as("ERROR lines and stack traces in the services' logs").isEmpty();
    }

    private static ScratchGitRepository appRepository(String extraStep) {
        ScratchGitRepository git = ScratchGitRepository.create();
        git.write("hello.sh", "#!/bin/sh\necho \"Hello from $(uname -m) ($(cat /etc/built-on))\"\n")
                .write("Dockerfile", dockerfile(extraStep)).commit("app");
        return git;
    }

    private static String dockerfile(String extraStep) {
        return """
                ARG BASE
                FROM ${BASE}
                COPY hello.sh /usr/local/bin/hello
                %s
                RUN chmod 0755 /usr/local/bin/hello && echo "built on $(uname -m)" > /etc/built-on
                CMD ["/usr/local/bin/hello"]
                """.formatted(extraStep);
    }
}
