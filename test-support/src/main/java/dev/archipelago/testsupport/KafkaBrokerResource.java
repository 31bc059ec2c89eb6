package dev.archipelago.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * A Quarkus test resource that gives the application a real Kafka broker: one KRaft broker per
 * test JVM, started in the JVM on first use and stopped when the JVM exits, so that several
 * test classes share it. Tests keep apart by using their own build ids or topics.
 *
 * <p>Use with {@code @QuarkusTestResource(KafkaBrokerResource.class)}; it sets
 * {@code kafka.bootstrap.servers}.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    private static EmbeddedKafkaBroker broker;

    /** The JVM's broker, started on first call. */
    public static synchronized EmbeddedKafkaBroker broker() {
        if (broker == null) {
            EmbeddedKafkaBroker started = new EmbeddedKafkaBroker(3).start();
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "embedded-kafka-shutdown"));
            broker = started;
        }
        if (!broker.isRunning()) {
            broker.start();
        }
        return broker;
    }

    @Override
    public Map<String, String> start() {
        return Map.of("kafka.bootstrap.servers", broker().bootstrapServers());
    }

    @Override
    public void stop() {
        // Shared by every test class of this JVM; the shutdown hook stops it.
    }
}
