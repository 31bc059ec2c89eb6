package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.infra.Buildah;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.infra.Skopeo;
import dev.archipelago.model.Platform;

/**
 * A third architecture is configuration: the stack starts a third worker, for linux/s390x (big
 * endian, under QEMU), from the same jar as the others with only its platform set, and one build
 * for three platforms gives an index of three images, each built, checked (its config and the ELF
 * headers of its executables) and run on its own architecture.
 */
class ThirdArchitectureTest {

    @RegisterExtension
    static final RunningStack running = new RunningStack("archipelago-s390x",
            LocalStack.Options.PLAIN.withWorkersFor(Platform.LINUX_S390X));

    @Test
    void aBuildForThreePlatformsGivesAnIndexOfThreeImagesEachOfItsArchitecture() throws Exception {
        LocalStack stack = running.stack();
        try (ScratchGitRepository app = ScratchGitRepository.create()) {
            app.write("Dockerfile", """
                    ARG BASE
                    FROM ${BASE}
                    RUN echo "built on $(uname -m)" > /etc/built-on
                    CMD ["/bin/cat", "/etc/built-on"]
                    """).commit("app");
            String repository = stack.registryHost() + "/three/app";
            String id = running.api().submit("""
                    {"source": {"git": "%s"}, "image": {"repository": "%s", "tag": "v1"},
                     "platforms": ["linux/amd64", "linux/ppc64le", "linux/s390x"], "allowEmulation": true,
                     "buildArgs": {"BASE": "%s"}, "timeoutSeconds": 900}""".formatted(app.url(), repository, running.base()));

            JsonNode build = running.api().follow(id, Duration.ofMinutes(10), System.out::println);

            assertThat(build.path("state").asText()).as(build.toString()).isEqualTo("SUCCEEDED");
            List<String> workers = new ArrayList<>();
            build.path("platforms").forEach(p -> workers.add(p.path("platform").asText() + " " + p.path("worker").asText()));
            assertThat(workers).containsExactly("linux/amd64 local-amd64", "linux/ppc64le local-ppc64le",
                    "linux/s390x local-s390x");

            JsonNode index = Skopeo.inspect(repository + ":v1", "--raw");
            List<String> architectures = new ArrayList<>();
            index.path("manifests").forEach(m -> architectures.add(m.path("platform").path("architecture").asText()));
            assertThat(architectures).containsExactly("amd64", "ppc64le", "s390x");
            String s390x = Skopeo.inspect(repository + ":v1-s390x").path("Digest").asText();
            assertThat(index.path("manifests").get(2).path("digest").asText()).isEqualTo(s390x);
            assertThat(Skopeo.inspect(repository + ":v1-s390x", "--config").path("architecture").asText()).isEqualTo("s390x");

            try (Buildah buildah = Buildah.isolated()) {
                for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE, Platform.LINUX_S390X)) {
                    assertThat(buildah.runIn(repository + ":v1", platform, "/bin/cat", "/etc/built-on").strip())
                            .as("the %s image of the index, run", platform).isEqualTo("built on " + platform.unameMachine());
                }
            }
            assertThat(stack.health("arch-worker-s390x", "ready")).isEqualTo(200);
        }
    }
}
