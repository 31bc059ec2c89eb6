package dev.archipelago.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Produces and reads records on the test broker, the way an outside client would. */
public final class KafkaTestClient implements AutoCloseable {

    private final String bootstrap;
    private final KafkaProducer<String, byte[]> producer;

    public KafkaTestClient(String bootstrapServers) {
        this.bootstrap = bootstrapServers;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new ByteArraySerializer());
    }

    /** A client of the JVM's shared broker. */
    public static KafkaTestClient forSharedBroker() {
        return new KafkaTestClient(KafkaBrokerResource.broker().bootstrapServers());
    }

    /** Sends a record and waits for the broker's acknowledgement. */
    public void send(String topic, String key, String value, Header... headers) {
        send(topic, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8), headers);
    }

    public void send(String topic, String key, byte[] value, Header... headers) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, null, key, value, List.of(headers));
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic + ": " + e.getMessage(), e);
        }
    }

    /** A record as read back, value as text. */
    public record Received(String topic, int partition, long offset, String key, String value, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name);
        }
    }

    /**
     * Reads the topic from the beginning until {@code expected} records match, or the timeout;
     * returns what matched (possibly fewer, so that the caller's assertion says what is missing).
     */
    public List<Received> read(String topic, Predicate<Received> filter, int expected, Duration timeout) {
        List<Received> matched = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(topic));
            Instant deadline = Instant.now().plus(timeout);
            while (matched.size() < expected && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    Received received = toReceived(record);
                    if (filter.test(received)) {
                        matched.add(received);
                    }
                }
            }
        }
        return matched;
    }

    /** The records with this key that are on the topic now (reads up to its current end). */
    public List<Received> readAll(String topic, String key) {
        return readUntilEnd(topic, r -> Objects.equals(r.key(), key));
    }

    /**
     * Every record on the topic now that matches the filter: the topic is read up to the end
     * offsets it has when the call starts. A read that cannot reach them within 60 s fails,
     * so that a check that a record is absent never passes on a partial read.
     */
    public List<Received> readUntilEnd(String topic, Predicate<Received> filter) {
        List<Received> matched = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            Instant deadline = Instant.now().plusSeconds(60);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException(
                            "reading " + topic + " to its end offsets " + ends + " took more than 60 s; "
                                    + "read up to " + partitions.stream().map(p -> p + "@" + consumer.position(p)).toList());
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    Received received = toReceived(record);
                    if (filter.test(received)) {
                        matched.add(received);
                    }
                }
            }
        }
        return matched;
    }

    /** The sum of the end offsets of a topic: grows by one for every record written. */
    public long endOffsetSum(String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            var description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            var request = new HashMap<TopicPartition, OffsetSpec>();
            description.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(info -> info.offset()).sum();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return 0;
            }
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the offsets of " + topic + ": " + e.getMessage(), e);
        }
    }

    private KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static Received toReceived(ConsumerRecord<String, byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
        }
        return new Received(record.topic(), record.partition(), record.offset(), record.key(),
                record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8), headers);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
