package dev.archipelago.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.Schema;
import dev.archipelago.model.events.WorkerHeartbeat;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;

/**
 * Stands in for the workers in the throughput scenario: answers every per-arch request at once
 * with a SUCCEEDED result for an image already in the registry, and sends the heartbeats that keep
 * both platforms live. What is measured is then the orchestration (dispatcher, assembler, broker,
 * PostgreSQL, registry), not buildah.
 */
final class LoadHarness implements AutoCloseable {

    /** A pushed per-arch image the results point at. */
    record Child(String digest, String mediaType, long size) {
    }

    private final KafkaConsumer<String, String> consumer;
    private final KafkaProducer<String, String> producer;
    private final Map<Platform, Child> children;
    private final Thread thread;
    private final AtomicLong answered = new AtomicLong();
    private final Map<String, Long> requestedAt = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private long lastHeartbeat;

    LoadHarness(String bootstrap, Map<Platform, Child> children) {
        this.children = children;
        consumer = Consumers.fromEnd(bootstrap, children.keySet().stream().map(Topics::requestsFor).toList());

        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        producer = new KafkaProducer<>(producerProps);
        heartbeats();
        producer.flush();
        thread = new Thread(this::answer, "bench-harness");
        thread.setDaemon(true);
        thread.start();
    }

    private void answer() {
        while (running) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(20))) {
                Header type = record.headers().lastHeader(Topics.RECORD_TYPE_HEADER);
                if (type != null && !Topics.TYPE_ARCH_BUILD_REQUEST.equals(new String(type.value(), StandardCharsets.UTF_8))) {
                    continue;
                }
                ArchBuildRequest request = EventJson.decode(record.value(), ArchBuildRequest.class);
                requestedAt.merge(request.buildId(), record.timestamp(), Math::min);
                Child child = children.get(request.platform());
                ArchBuildEvent succeeded = ArchBuildEvent.succeeded(request, workerId(request.platform()), false, null,
                        new ArchBuildEvent.Artifact(child.digest(), child.mediaType(), child.size()),
                        new ArchBuildEvent.Durations(0, 0, 0, 0), 0, Instant.now());
                producer.send(new ProducerRecord<>(Topics.RESULTS, request.buildId(), EventJson.encodeToString(succeeded)));
                answered.incrementAndGet();
            }
            if (System.currentTimeMillis() - lastHeartbeat > 1000) {
                heartbeats();
            }
        }
        producer.close(Duration.ofSeconds(5));
        consumer.close();
    }

    private void heartbeats() {
        lastHeartbeat = System.currentTimeMillis();
        for (Platform platform : children.keySet()) {
            WorkerHeartbeat beat = new WorkerHeartbeat(Schema.CURRENT, workerId(platform), platform, false, "bench", "harness",
                    1000, 0, 1, Instant.now());
            producer.send(new ProducerRecord<>(Topics.HEARTBEATS, beat.workerId(), EventJson.encodeToString(beat)));
        }
    }

    private static String workerId(Platform platform) {
        return "bench-harness-" + platform.tagSafeName();
    }

    /** When the dispatcher's first request record of the build was written (its relay published it). */
    Long requestedAt(String buildId) {
        return requestedAt.get(buildId);
    }

    long answered() {
        return answered.get();
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
