package dev.archipelago.worker;

import static dev.archipelago.worker.WorkerFixture.busyboxRepository;
import static dev.archipelago.worker.WorkerFixture.request;
import static dev.archipelago.worker.WorkerFixture.results;
import static dev.archipelago.worker.WorkerFixture.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The lag KEDA's Kafka scaler sees for a worker group, computed as it computes it (per partition,
 * the latest offset minus the group's committed offset, summed), counts the builds that are running
 * as well as the queued ones: the worker commits a request's offset only once its result is
 * published. A scaler that saw only the queue would take away a pod in the middle of its builds.
 */
@QuarkusTest
@TestProfile(QueueLagTest.TwoAtATime.class)
@WithTestResource(KafkaBrokerResource.class)
class QueueLagTest {

    static final int CONCURRENCY = 2;
    static final int REQUESTS = 3;

    public static class TwoAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(WorkerFixture.config("linux/amd64", false));
            config.put("archipelago.worker.concurrency", String.valueOf(CONCURRENCY));
            return config;
        }
    }

    @InjectKafkaClient
    KafkaTestClient kafka;

    @Test
    void theLagAScalerSeesCountsBuildsInFlightUntilTheirResultsArePublished() throws Exception {
        String topic = Topics.requestsFor(Platform.LINUX_AMD64);
        String group = Topics.workerGroupFor(Platform.LINUX_AMD64);
        await().atMost(Duration.ofSeconds(30)).until(() -> lag(topic, group) == 0);

        try (ScratchGitRepository slow = busyboxRepository(Platform.LINUX_AMD64, "RUN sleep 8")) {
            List<ArchBuildRequest> requests = IntStream.range(0, REQUESTS).mapToObj(i -> request(Platform.LINUX_AMD64, slow))
                    .toList();
            requests.forEach(request -> send(kafka, request));

            // two builds run (STARTED published), the third waits for a slot; none has finished
            await().atMost(Duration.ofSeconds(60)).until(() -> started(requests) == CONCURRENCY);
            assertThat(finished(requests)).isZero();
            assertThat(lag(topic, group)).as("lag while %d builds run and %d waits", CONCURRENCY, REQUESTS - CONCURRENCY)
                    .isEqualTo(REQUESTS);

            for (ArchBuildRequest request : requests) {
                assertThat(results(kafka, request, 1).get(0).type()).isEqualTo(ArchBuildEvent.Type.SUCCEEDED);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> lag(topic, group) == 0);
        }
    }

    private long started(List<ArchBuildRequest> requests) {
        return requests.stream().filter(r -> !kafka.readAll(Topics.RESULTS, r.buildId()).isEmpty()).count();
    }

    private long finished(List<ArchBuildRequest> requests) {
        return requests.stream().filter(r -> kafka.readAll(Topics.RESULTS, r.buildId()).stream()
                .anyMatch(e -> !e.value().contains("\"type\":\"STARTED\""))).count();
    }

    /** KEDA's lag: the sum over the topic's partitions of latest offset minus committed offset (earliest when none). */
    static long lag(String topic, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaBrokerResource.broker().bootstrapServers()))) {
            var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(20, TimeUnit.SECONDS).get(topic)
                    .partitions()
                    .stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(20, TimeUnit.SECONDS);
            var latest = admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                    .all().get(20, TimeUnit.SECONDS);
            var earliest = admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.earliest())))
                    .all().get(20, TimeUnit.SECONDS);
            long lag = 0;
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata offset = committed.get(partition);
                long from = offset == null ? earliest.get(partition).offset() : offset.offset();
                lag += latest.get(partition).offset() - from;
            }
            return lag;
        }
    }
}
