package dev.archipelago.assembler;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.common.header.internals.RecordHeader;

import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildCancel;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.events.ImageTarget;
import dev.archipelago.model.events.PinnedSource;
import dev.archipelago.model.events.Schema;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.KafkaTestClient;

/** Plays the workers for the assembler tests, and reads the outcomes it publishes. */
final class AssemblerFixture {

    static final String COMMIT = "3f1c2a9d8e7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d";
    /** Now, whole seconds: in the past a build's deadline would pass and the sweeper fail it mid-test. */
    static final Instant REQUESTED = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    private AssemblerFixture() {
    }

    /** A request of a new build for both platforms, index tags unique to it. */
    static ArchBuildRequest request(Platform platform, String buildId, int attempt, boolean allowPartial,
            List<String> indexTags,
            int timeoutSeconds, Instant requestedAt) {
        return new ArchBuildRequest(Schema.CURRENT, buildId, attempt, platform,
                List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE),
                PinnedSource.ofCommit("https://gitlab.com/org/app.git", "main", COMMIT, ".", "Dockerfile"),
                new ImageTarget(TestImages.repository(), "t", "t-" + platform.tagSafeName(), indexTags, null),
                null, null, timeoutSeconds, allowPartial, requestedAt, false);
    }

    static ArchBuildRequest request(Platform platform, String buildId, List<String> indexTags) {
        return request(platform, buildId, 1, false, indexTags, 1800, REQUESTED);
    }

    static String newBuildId() {
        return UUID.randomUUID().toString();
    }

    static String uniqueTag(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static ArchBuildEvent succeeded(ArchBuildRequest request, String digest, String mediaType) {
        return ArchBuildEvent.succeeded(request, "worker-" + request.platform().tagSafeName(),
                request.platform().equals(Platform.LINUX_PPC64LE), null, new ArchBuildEvent.Artifact(digest, mediaType, 0),
                new ArchBuildEvent.Durations(1, 2, 3, 4), 1, Instant.now());
    }

    static ArchBuildEvent succeeded(ArchBuildRequest request, String format) {
        return succeeded(request, TestImages.digest(request.platform(), format),
                format.equals("oci") ? MediaTypes.OCI_MANIFEST : MediaTypes.DOCKER_MANIFEST);
    }

    static ArchBuildEvent failed(ArchBuildRequest request) {
        return ArchBuildEvent.failed(request, "worker-" + request.platform().tagSafeName(), false,
                new ArchBuildEvent.Failure(BuildErrorCode.BUILD_FAILED, "RUN step exited 1", List.of("boom")), null,
                Instant.now());
    }

    static void publish(KafkaTestClient kafka, ArchBuildEvent event) {
        kafka.send(Topics.RESULTS, event.buildId(), EventJson.encodeToString(event));
    }

    /** The dispatcher's cancel of a whole build, as it travels on the results topic. */
    static void publishCancel(KafkaTestClient kafka, String buildId) {
        kafka.send(Topics.RESULTS, buildId,
                EventJson.encodeToString(new BuildCancel(Schema.CURRENT, buildId, 1, null, "cancelled on request",
                        Instant.now())),
                new RecordHeader(Topics.RECORD_TYPE_HEADER, Topics.TYPE_BUILD_CANCEL.getBytes(StandardCharsets.UTF_8)));
    }

    static BuildOutcome outcome(KafkaTestClient kafka, String buildId, int count) {
        List<KafkaTestClient.Received> records = kafka.read(Topics.OUTCOMES, r -> buildId.equals(r.key()), count,
                Duration.ofSeconds(60));
        assertThat(records).as("outcomes of build %s", buildId).hasSizeGreaterThanOrEqualTo(count);
        return EventJson.decode(records.get(count - 1).value(), BuildOutcome.class);
    }
}
