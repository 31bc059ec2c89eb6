package dev.archipelago.model.events;

import static dev.archipelago.model.Platform.LINUX_AMD64;
import static dev.archipelago.model.Platform.LINUX_PPC64LE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.model.Platform;
import dev.archipelago.model.json.EventDecodingException;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;

/** Every event type against a golden JSON file: the contract on the wire, byte for byte in meaning. */
class EventJsonTest {

    static final Instant REQUESTED = Instant.parse("2026-11-27T06:00:00Z");
    static final String COMMIT = "3f1c2a9d8e7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d";
    static final String DIGEST = "sha256:" + "ab".repeat(32);
    static final String INDEX_DIGEST = "sha256:" + "cd".repeat(32);

    static ArchBuildRequest archRequest() {
        return new ArchBuildRequest(1, "b7c6d5e4", 1, LINUX_PPC64LE, List.of(LINUX_AMD64, LINUX_PPC64LE),
                PinnedSource.ofCommit("https://gitlab.com/org/app.git", "main", COMMIT, ".", "Dockerfile"),
                new ImageTarget("quay.io/org/demos", "gitlab-pyflask", "gitlab-pyflask-ppc64le",
                        List.of("gitlab-pyflask-multiarch"), null),
                Map.of("VERSION", "1.2"), Map.of(), 1800, false, REQUESTED, false);
    }

    static Stream<Arguments> goldenEvents() {
        ArchBuildRequest request = archRequest();
        Instant at = REQUESTED.plusSeconds(42);
        return Stream.of(
                Arguments.of("build-request.json", BuildRequest.class, new BuildRequest(null,
                        BuildRequest.Source.ofGit("https://gitlab.com/org/app.git", "main", ".", "Dockerfile"),
                        new BuildRequest.Image("quay.io/org/demos", "gitlab-pyflask", "{tag}-{arch}",
                                Map.of("linux/amd64", "gitlab-pyflask-x86"), List.of("gitlab-pyflask-multiarch"), null),
                        List.of("linux/amd64", "linux/ppc64le"), Map.of(), Map.of(), false, false, 1800,
                        new BuildRequest.CommitStatus("gitlab", "org/app"), null)),
                Arguments.of("arch-build-request.json", ArchBuildRequest.class, request),
                Arguments.of("arch-build-event-started.json", ArchBuildEvent.class,
                        ArchBuildEvent.started(request, "worker-ppc64le-1", true, at)),
                Arguments.of("arch-build-event-succeeded.json", ArchBuildEvent.class,
                        ArchBuildEvent.succeeded(request, "worker-ppc64le-1", true,
                                new ArchBuildEvent.Builder("buildah", "overlay", "chroot", true, "oci"),
                                new ArchBuildEvent.Artifact(DIGEST, "application/vnd.oci.image.manifest.v1+json", 1234),
                                new ArchBuildEvent.Durations(120, 4800, 35, 610), 7, at)),
                Arguments.of("arch-build-event-reused.json", ArchBuildEvent.class,
                        ArchBuildEvent.reused(request, "worker-ppc64le-1", true,
                                new ArchBuildEvent.Builder("buildah", "overlay", "chroot", true, "oci"),
                                new ArchBuildEvent.Artifact(DIGEST, "application/vnd.oci.image.manifest.v1+json", 1234),
                                new ArchBuildEvent.Durations(120, 0, 0, 45), "a1b2c3d4", at)),
                Arguments.of("arch-build-event-failed.json", ArchBuildEvent.class,
                        ArchBuildEvent.failed(request, "worker-ppc64le-1", true,
                                new ArchBuildEvent.Failure(BuildErrorCode.BUILD_FAILED, "RUN step 2 exited 1",
                                        List.of("STEP 2/3: RUN make", "make: *** [all] Error 1")),
                                new ArchBuildEvent.Durations(120, 900, 0, 0), at)),
                Arguments.of("build-outcome-index-pushed.json", BuildOutcome.class, new BuildOutcome(1, "b7c6d5e4", 1,
                        BuildOutcome.Type.INDEX_PUSHED,
                        new BuildOutcome.Index("quay.io/org/demos", List.of("gitlab-pyflask-multiarch"), INDEX_DIGEST,
                                "application/vnd.oci.image.index.v1+json", 789, List.of(
                                        new BuildOutcome.Child(LINUX_AMD64, DIGEST,
                                                "application/vnd.oci.image.manifest.v1+json", 1200, false),
                                        new BuildOutcome.Child(LINUX_PPC64LE, DIGEST,
                                                "application/vnd.oci.image.manifest.v1+json", 1234, true)),
                                List.of(new BuildOutcome.Attestation(BuildOutcome.Attestation.Kind.SIGNATURE, LINUX_AMD64,
                                        DIGEST,
                                        INDEX_DIGEST, "application/vnd.dev.cosign.simplesigning.v1+json",
                                        "sha256-" + DIGEST.substring(7) + ".sig")),
                                List.of()),
                        List.of(), List.of(), null, at)),
                Arguments.of("build-outcome-failed.json", BuildOutcome.class, new BuildOutcome(1, "b7c6d5e4", 1,
                        BuildOutcome.Type.FAILED, null, List.of(),
                        List.of(new BuildOutcome.PlatformFailure(LINUX_PPC64LE, BuildErrorCode.BUILD_FAILED,
                                "RUN step 2 exited 1")),
                        new BuildOutcome.Error(BuildErrorCode.PLATFORMS_FAILED, "linux/ppc64le failed: BUILD_FAILED"), at)),
                Arguments.of("worker-heartbeat.json", WorkerHeartbeat.class, new WorkerHeartbeat(1, "worker-ppc64le-1",
                        LINUX_PPC64LE, true, "0.1.0", "buildah", 2, 1, 10, at)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenEvents")
    void encodesAsTheGoldenFileAndDecodesBack(String golden, Class<?> type, Object event) throws IOException {
        String expected = readGolden(golden);

        JsonNode encoded = EventJson.mapper().readTree(EventJson.encode(event));
        assertThat(encoded).isEqualTo(EventJson.mapper().readTree(expected));
        assertThat(EventJson.decode(expected, type)).isEqualTo(event);
    }

    @Test
    void encodingIsStableBytes() {
        assertThat(EventJson.encodeToString(archRequest())).isEqualTo(EventJson.encodeToString(
                EventJson.decode(EventJson.encode(archRequest()), ArchBuildRequest.class)));
    }

    @Test
    void namesTheMissingRequiredField() throws IOException {
        String json = readGolden("arch-build-request.json").replace("\"buildId\" : \"b7c6d5e4\",", "");
        assertThatThrownBy(() -> EventJson.decode(json, ArchBuildRequest.class))
                .isInstanceOf(EventDecodingException.class)
                .hasMessageContaining("buildId");
    }

    @Test
    void namesTheNestedMissingField() throws IOException {
        String json = readGolden("arch-build-request.json").replace("\"commit\" : \"" + COMMIT + "\",", "");
        assertThatThrownBy(() -> EventJson.decode(json, ArchBuildRequest.class)).hasMessageContaining("commit");
    }

    @Test
    void namesTheFieldOfTheWrongType() throws IOException {
        String json = readGolden("arch-build-request.json").replace("\"attempt\" : 1", "\"attempt\" : \"first\"");
        assertThatThrownBy(() -> EventJson.decode(json, ArchBuildRequest.class)).hasMessageContaining("field 'attempt'");
        String quotedNumber = readGolden("arch-build-request.json").replace("\"timeoutSeconds\" : 1800",
                "\"timeoutSeconds\" : \"1800\"");
        assertThatThrownBy(() -> EventJson.decode(quotedNumber, ArchBuildRequest.class))
                .hasMessageContaining("field 'timeoutSeconds'");
    }

    @Test
    void refusesNumbersAndBooleansWhereTextBelongs() {
        assertThatThrownBy(() -> EventJson.decode("""
                {"source":{"git":"https://example.com/a.git"},"image":{"repository":"quay.io/a/b","tag":"v1"},
                 "platforms":["x86"],"buildArgs":{"A":1}}""", BuildRequest.class)).hasMessageContaining("buildArgs");
        assertThatThrownBy(() -> EventJson.decode("""
                {"source":{"git":true},"image":{"repository":"quay.io/a/b","tag":"v1"},"platforms":["x86"]}""",
                BuildRequest.class)).hasMessageContaining("source.git");
    }

    @Test
    void namesAnUnknownPlatformInsideAList() throws IOException {
        String json = readGolden("arch-build-request.json").replace("\"linux/amd64\"", "\"linux/mips\"");
        assertThatThrownBy(() -> EventJson.decode(json, ArchBuildRequest.class))
                .hasMessageContaining("platforms[0]").hasMessageContaining("unknown platform 'linux/mips'");
    }

    @Test
    void refusesUnknownFieldsAndOtherSchemas() throws IOException {
        String unknown = readGolden("worker-heartbeat.json").replace("\"schema\" : 1,", "\"schema\" : 1, \"color\" : \"red\",");
        assertThatThrownBy(() -> EventJson.decode(unknown, WorkerHeartbeat.class))
                .hasMessageContaining("unknown field 'color'");
        String future = readGolden("worker-heartbeat.json").replace("\"schema\" : 1,", "\"schema\" : 2,");
        assertThatThrownBy(() -> EventJson.decode(future, WorkerHeartbeat.class))
                .hasMessageContaining("schema 2 is not supported");
    }

    @Test
    void refusesEventsThatContradictTheirType() throws IOException {
        String json = readGolden("arch-build-event-succeeded.json").replaceAll("(?s)\"artifact\" : \\{[^}]*},", "");
        assertThatThrownBy(() -> EventJson.decode(json, ArchBuildEvent.class))
                .hasMessageContaining("'artifact' is required when type is SUCCEEDED");
    }

    @Test
    void refusesGarbage() {
        assertThatThrownBy(() -> EventJson.decode(new byte[] { 1, 2, 3 }, ArchBuildEvent.class))
                .isInstanceOf(EventDecodingException.class).hasMessageContaining("malformed JSON");
        assertThatThrownBy(() -> EventJson.decode(new byte[0], ArchBuildEvent.class)).hasMessageContaining("empty record");
        assertThatThrownBy(() -> EventJson.decode("{} {}", WorkerHeartbeat.class)).isInstanceOf(EventDecodingException.class);
    }

    @Test
    void buildRequestNeedsOnlyTheFourRequiredFields() {
        BuildRequest minimal = EventJson.decode("""
                {"source":{"git":"https://example.com/a.git"},"image":{"repository":"quay.io/a/b","tag":"v1"},
                 "platforms":["x86"]}""", BuildRequest.class);
        assertThat(minimal.effectiveTimeoutSeconds()).isEqualTo(BuildRequest.DEFAULT_TIMEOUT_SECONDS);
        assertThat(minimal.emulationAllowed()).isFalse();
        assertThatThrownBy(() -> EventJson.decode("""
                {"source":{"git":"https://example.com/a.git"},"image":{"repository":"quay.io/a/b"},"platforms":["x86"]}""",
                BuildRequest.class)).hasMessageContaining("tag");
    }

    static String readGolden(String name) throws IOException {
        try (InputStream in = EventJsonTest.class.getResourceAsStream("/golden/" + name)) {
            assertThat(in).as("golden file " + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyTopicNameIsDerivedFromThePlatform() {
        assertThat(Topics.requestsFor(Platform.LINUX_ARM_V7))
                .isEqualTo("archipelago.builds.requests.arm-v7");
        assertThat(Topics.workerGroupFor(LINUX_PPC64LE)).isEqualTo("archipelago-worker-ppc64le");
        assertThat(Topics.all()).contains("archipelago.builds.requests.ppc64le", "archipelago.dlq");
    }
}
