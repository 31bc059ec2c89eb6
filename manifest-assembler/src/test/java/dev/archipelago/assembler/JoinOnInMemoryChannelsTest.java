package dev.archipelago.assembler;

import static dev.archipelago.model.Platform.LINUX_AMD64;
import static dev.archipelago.model.Platform.LINUX_PPC64LE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.events.ImageTarget;
import dev.archipelago.model.events.PinnedSource;
import dev.archipelago.model.events.Schema;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.testsupport.InMemoryChannelsResource;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;

/**
 * The fast tier: the join's consumer logic on SmallRye's in-memory connector, with the machine's
 * PostgreSQL and neither a broker nor a registry. What needs the real parts (the index pushed to a
 * registry, outages, the dead-letter topic) is {@link AssemblerTest}'s. Run the tier alone with
 * {@code ./mvnw -Pfast -pl manifest-assembler,build-dispatcher test} (README, "Tests").
 */
@QuarkusTest
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(value = InMemoryChannelsResource.class, initArgs = {
        @ResourceArg(name = "incoming", value = "results-in"),
        @ResourceArg(name = "outgoing", value = "outcomes-out") })
class JoinOnInMemoryChannelsTest {

    @Inject
    @Any
    InMemoryConnector channels;

    @Inject
    EntityManager entityManager;

    @Test
    void aFailedPlatformFailsTheBuildWithItsCodeAndNoIndex() {
        String id = UUID.randomUUID().toString();
        Delivery delivery = send(failed(request(LINUX_PPC64LE, id)));

        BuildOutcome outcome = outcome(id);
        assertThat(delivery.acked).succeedsWithin(Duration.ofSeconds(10));
        assertThat(outcome.type()).isEqualTo(BuildOutcome.Type.FAILED);
        assertThat(outcome.index()).isNull();
        assertThat(outcome.error().code()).isEqualTo(BuildErrorCode.PLATFORMS_FAILED);
        assertThat(outcome.failedPlatforms()).singleElement().satisfies(failure -> {
            assertThat(failure.platform()).isEqualTo(LINUX_PPC64LE);
            assertThat(failure.code()).isEqualTo(BuildErrorCode.BUILD_FAILED);
        });
    }

    @Test
    void aResultForAPlatformTheBuildDidNotAskForFailsIt() {
        String id = UUID.randomUUID().toString();
        // a request that disagrees with the build's first result about the platforms: only s390x's worker saw it
        ArchBuildRequest s390x = new ArchBuildRequest(Schema.CURRENT, id, 1, Platform.LINUX_S390X,
                List.of(LINUX_AMD64, Platform.LINUX_S390X),
                source(), target(Platform.LINUX_S390X), null, null, 1800, false, Instant.now(), false);
        send(ArchBuildEvent.started(request(LINUX_AMD64, id), "worker-amd64", false, Instant.now()));
        send(failed(s390x));

        BuildOutcome outcome = outcome(id);
        assertThat(outcome.error().code()).isEqualTo(BuildErrorCode.CHILD_PLATFORM_MISMATCH);
        assertThat(outcome.error().message()).contains("linux/s390x");
    }

    @Test
    void aResultDeliveredTwiceIsAppliedOnce() {
        String id = UUID.randomUUID().toString();
        ArchBuildEvent failure = failed(request(LINUX_AMD64, id));
        Delivery first = send(failure);
        Delivery second = send(failure);

        assertThat(first.acked).succeedsWithin(Duration.ofSeconds(10));
        assertThat(second.acked).succeedsWithin(Duration.ofSeconds(10));
        outcome(id);
        assertThat(outcomes(id)).as("outcomes of a result delivered twice").hasSize(1);
    }

    @Test
    void anUndecodableRecordIsRejectedAndChangesNothing() {
        long before = assemblies();
        CompletableFuture<Throwable> nacked = new CompletableFuture<>();
        channels.source("results-in").send(Message.of("{\"schema\": 1, \"buildId\": ".getBytes(StandardCharsets.UTF_8),
                () -> CompletableFuture.completedFuture(null),
                reason -> {
                    nacked.complete(reason);
                    return CompletableFuture.completedFuture(null);
                }));

        assertThat(nacked).succeedsWithin(Duration.ofSeconds(10)).isNotNull();
        assertThat(assemblies()).as("join rows").isEqualTo(before);
    }

    /** A record on the in-memory results channel, and what became of it. */
    private record Delivery(CompletableFuture<Void> acked, CompletableFuture<Throwable> nacked) {
    }

    private Delivery send(ArchBuildEvent event) {
        Delivery delivery = new Delivery(new CompletableFuture<>(), new CompletableFuture<>());
        channels.source("results-in").send(Message.of(EventJson.encode(event),
                () -> {
                    delivery.acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                reason -> {
                    delivery.nacked.complete(reason);
                    return CompletableFuture.completedFuture(null);
                }));
        return delivery;
    }

    private BuildOutcome outcome(String buildId) {
        await().atMost(Duration.ofSeconds(20)).until(() -> !outcomes(buildId).isEmpty());
        return outcomes(buildId).get(0);
    }

    private List<BuildOutcome> outcomes(String buildId) {
        return channels.<String> sink("outcomes-out").received().stream().map(Message::getPayload)
                .map(json -> EventJson.decode(json.getBytes(StandardCharsets.UTF_8), BuildOutcome.class))
                .filter(outcome -> outcome.buildId().equals(buildId)).toList();
    }

    private long assemblies() {
        return ((Number) entityManager.createNativeQuery("SELECT count(*) FROM assemblies").getSingleResult()).longValue();
    }

    private static ArchBuildRequest request(Platform platform, String buildId) {
        return new ArchBuildRequest(Schema.CURRENT, buildId, 1, platform, List.of(LINUX_AMD64, LINUX_PPC64LE), source(),
                target(platform), null, null, 1800, false, Instant.now(), false);
    }

    private static PinnedSource source() {
        return PinnedSource.ofCommit("https://gitlab.example.com/org/app.git", "main",
                "3f1c2a9d8e7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
                ".", "Dockerfile");
    }

    private static ImageTarget target(Platform platform) {
        return new ImageTarget("127.0.0.1:5999/fast/app", "t", "t-" + platform.tagSafeName(), List.of("multiarch"), null);
    }

    private static ArchBuildEvent failed(ArchBuildRequest request) {
        return ArchBuildEvent.failed(request, "worker-" + request.platform().tagSafeName(), false,
                new ArchBuildEvent.Failure(BuildErrorCode.BUILD_FAILED, "RUN step exited 1", List.of("boom")), null,
                Instant.now());
    }
}
