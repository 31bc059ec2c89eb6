package dev.archipelago.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.model.Platform;

/**
 * Proves the builder is real: a {@code FROM scratch} image with a static busybox and a RUN step,
 * built from a git fixture for amd64 (native) and ppc64le (QEMU), pushed to the local registry,
 * then checked from the pushed config and by running it.
 */
class BuildahTest {

    private static LocalRegistry registry;
    private static Buildah buildah;

    @BeforeAll
    static void start() {
        registry = LocalRegistry.anonymous();
        buildah = Buildah.isolated();
    }

    @AfterAll
    static void stop() {
        if (buildah != null) {
            buildah.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "linux/amd64", "linux/ppc64le" })
    void buildsAnImageThatReallyIsOfItsPlatform(String name) throws Exception {
        Platform platform = Platform.parse(name);
        try (ScratchGitRepository git = ScratchGitRepository.create()) {
            git.copy(Tools.busybox(platform), "busybox")
                    .write("Dockerfile", """
                            FROM scratch
                            COPY busybox /bin/busybox
                            RUN ["/bin/busybox", "--install", "-s", "/bin"]
                            RUN uname -m > /built-on
                            CMD ["/bin/cat", "/built-on"]
                            """);
            git.commit("busybox image");

            String local = "localhost/support/busybox:" + platform.tagSafeName();
            buildah.build(git.directory(), platform, local);
            String remote = registry.hostPort() + "/support/busybox:" + platform.tagSafeName();
            String digest = buildah.push(local, remote, "oci");

            String config = Processes.run(Duration.ofSeconds(60), Tools.skopeo().toString(), "inspect", "--tls-verify=false",
                    "--config", "docker://" + remote).orThrow().stdout();
            JsonNode configJson = new ObjectMapper().readTree(config);
            assertThat(configJson.path("architecture").asText()).isEqualTo(platform.architecture());
            assertThat(configJson.path("os").asText()).isEqualTo("linux");
            assertThat(registry.get("/v2/support/busybox/manifests/" + digest, "application/vnd.oci.image.manifest.v1+json")
                    .statusCode()).isEqualTo(200);

            String ranOn = buildah.runIn(remote, platform, "/bin/cat", "/built-on").strip();
            String runsOn = buildah.runIn(remote, platform, "/bin/uname", "-m").strip();
            assertThat(ranOn).as("uname -m in the RUN step").isEqualTo(platform.unameMachine());
            assertThat(runsOn).as("uname -m when the pulled image runs").isEqualTo(platform.unameMachine());
        }
    }
}
