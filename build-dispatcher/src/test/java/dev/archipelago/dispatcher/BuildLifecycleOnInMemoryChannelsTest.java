package dev.archipelago.dispatcher;

import static dev.archipelago.dispatcher.DispatcherFixture.DIGEST_AMD64;
import static dev.archipelago.dispatcher.DispatcherFixture.DIGEST_PPC64LE;
import static dev.archipelago.dispatcher.DispatcherFixture.state;
import static dev.archipelago.dispatcher.DispatcherFixture.submitOk;
import static dev.archipelago.dispatcher.DispatcherFixture.tutorialRequest;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import dev.archipelago.dispatcher.repository.OutboxRecord;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.Schema;
import dev.archipelago.model.events.WorkerHeartbeat;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.InMemoryChannelsResource;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;

/**
 * The fast tier: the dispatcher's consumers and its outbox relay on SmallRye's in-memory
 * connector, with the machine's PostgreSQL and no broker. A build goes from the API through the
 * outbox to one request per platform, and the workers' results and the assembler's outcome bring
 * it to SUCCEEDED. What needs the real broker (outages, the dead-letter topic, consumer groups) is
 * {@link BuildLifecycleTest}'s and {@link OutboxTest}'s. Run the tier alone with
 * {@code ./mvnw -Pfast -pl manifest-assembler,build-dispatcher test} (README, "Tests").
 */
@QuarkusTest
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
@WithTestResource(value = InMemoryChannelsResource.class, initArgs = {
        @ResourceArg(name = "incoming", value = "submissions-in,results-in,outcomes-in,heartbeats-in"),
        @ResourceArg(name = "outgoing", value = "outbox-out") })
class BuildLifecycleOnInMemoryChannelsTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    @Inject
    @Any
    InMemoryConnector channels;

    @InjectGitRepository
    ScratchGitRepository git;

    @Test
    void aBuildGoesThroughTheOutboxToOneRequestPerPlatformAndEndsWithTheOutcome() {
        heartbeat("amd64-" + RUN, Platform.LINUX_AMD64);
        heartbeat("ppc64le-" + RUN, Platform.LINUX_PPC64LE);
        await().atMost(Duration.ofSeconds(10)).until(() -> given().get("/api/workers").jsonPath().getList("workerId")
                .containsAll(List.of("amd64-" + RUN, "ppc64le-" + RUN)));

        String id = submitOk(tutorialRequest(git.url()));

        await().atMost(Duration.ofSeconds(20)).until(() -> requests(id).size() == 2);
        Map<String, ArchBuildRequest> byTopic = requests(id);
        assertThat(byTopic).containsOnlyKeys(Topics.requestsFor(Platform.LINUX_AMD64),
                Topics.requestsFor(Platform.LINUX_PPC64LE));
        ArchBuildRequest amd64 = byTopic.get(Topics.requestsFor(Platform.LINUX_AMD64));
        ArchBuildRequest ppc64le = byTopic.get(Topics.requestsFor(Platform.LINUX_PPC64LE));
        assertThat(amd64.source().commit()).isEqualTo(git.head());
        assertThat(ppc64le.source().commit()).isEqualTo(git.head());

        send("results-in", DispatcherFixture.started(amd64));
        send("results-in", DispatcherFixture.started(ppc64le));
        await().atMost(Duration.ofSeconds(10)).until(() -> state(id).equals("BUILDING"));
        send("results-in", DispatcherFixture.succeeded(amd64, DIGEST_AMD64));
        send("results-in", DispatcherFixture.succeeded(ppc64le, DIGEST_PPC64LE));
        send("outcomes-in", DispatcherFixture.indexPushed(id, 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> state(id).equals("SUCCEEDED"));
        var build = given().get("/api/builds/" + id).jsonPath();
        assertThat(build.getString("index.digest")).isEqualTo(DispatcherFixture.INDEX_DIGEST);
        assertThat(build.getList("platforms.state")).containsOnly("SUCCEEDED");
    }

    @Test
    void anOutboxRecordThatNamesNoTopicIsNeverSentAndHoldsUpNoOther() {
        String key = "no-topic-" + RUN;
        long id = QuarkusTransaction.requiringNew().call(() -> {
            OutboxRecord record = new OutboxRecord();
            record.topic = "";
            record.recordKey = key;
            record.recordType = Topics.TYPE_ARCH_BUILD_REQUEST;
            record.payload = "{}";
            record.createdAt = Instant.now();
            record.persist();
            return record.id;
        });
        try {
            heartbeat("amd64-late-" + RUN, Platform.LINUX_AMD64);
            heartbeat("ppc64le-late-" + RUN, Platform.LINUX_PPC64LE);
            await().atMost(Duration.ofSeconds(10)).until(() -> given().get("/api/workers").jsonPath().getList("workerId")
                    .containsAll(List.of("amd64-late-" + RUN, "ppc64le-late-" + RUN)));
            String build = submitOk(tutorialRequest(git.url()));

            await().atMost(Duration.ofSeconds(20)).until(() -> requests(build).size() == 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> outboxRow(id).attempts > 0);
            OutboxRecord row = outboxRow(id);
            assertThat(row.sentAt).as("sent at").isNull();
            assertThat(row.lastError).contains("names no topic");
            assertThat(channels.<String> sink("outbox-out").received()).as("records sent")
                    .noneMatch(m -> m.getMetadata(OutgoingKafkaRecordMetadata.class).map(k -> key.equals(k.getKey()))
                            .orElse(false));
        } finally {
            QuarkusTransaction.requiringNew().run(() -> OutboxRecord.deleteById(id));
        }
    }

    private static OutboxRecord outboxRow(long id) {
        return QuarkusTransaction.requiringNew().call(() -> OutboxRecord.<OutboxRecord> findById(id));
    }

    /** The requests of a build the outbox relay sent, by the topic each record names. */
    private Map<String, ArchBuildRequest> requests(String buildId) {
        return channels.<String> sink("outbox-out").received().stream()
                .filter(m -> Topics.TYPE_ARCH_BUILD_REQUEST.equals(recordType(m)))
                .map(m -> Map.entry(m.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow().getTopic(),
                        EventJson.decode(m.getPayload(), ArchBuildRequest.class)))
                .filter(e -> e.getValue().buildId().equals(buildId))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> b));
    }

    private static String recordType(Message<?> message) {
        return message.getMetadata(OutgoingKafkaRecordMetadata.class)
                .map(m -> m.getHeaders().lastHeader(Topics.RECORD_TYPE_HEADER))
                .map(h -> new String(h.value(), StandardCharsets.UTF_8)).orElse(null);
    }

    private void heartbeat(String workerId, Platform platform) {
        send("heartbeats-in", new WorkerHeartbeat(Schema.CURRENT, workerId, platform, false, "0.1.0", "buildah", 2, 0, 10,
                Instant.now()));
    }

    private void send(String channel, Object event) {
        channels.source(channel).send(Message.of(EventJson.encode(event)));
    }
}
