package dev.archipelago.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaBrokerTest {

    @Test
    void producesAndConsumesThroughTheRealBroker() throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(1).start()) {
            String topic = "test.roundtrip." + UUID.randomUUID();

            List<String> sent = produce(broker.bootstrapServers(), topic, 20);

            assertThat(consume(broker.bootstrapServers(), topic, sent.size())).containsExactlyElementsOf(sent);
        }
    }

    @Test
    void keepsRecordsAcrossARestart() throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(1).start()) {
            String topic = "test.restart." + UUID.randomUUID();
            List<String> sent = produce(broker.bootstrapServers(), topic, 5);

            broker.stop();
            assertThat(FreePorts.answers(Integer.parseInt(broker.bootstrapServers().split(":")[1]))).isFalse();
            broker.start();

            assertThat(consume(broker.bootstrapServers(), topic, sent.size())).containsExactlyElementsOf(sent);
        }
    }

    private static List<String> produce(String bootstrap, String topic, int count) throws Exception {
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                String value = "record-" + i;
                producer.send(new ProducerRecord<>(topic, "same-key", value)).get();
                sent.add(value);
            }
        }
        return sent;
    }

    private static List<String> consume(String bootstrap, String topic, int expected) {
        List<String> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            Instant deadline = Instant.now().plusSeconds(30);
            while (received.size() < expected && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    received.add(record.value());
                }
            }
        }
        return received;
    }
}
