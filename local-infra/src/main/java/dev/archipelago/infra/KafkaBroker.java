package dev.archipelago.infra;

/**
 * A single-node Kafka broker that can be taken away and brought back: in this JVM
 * ({@link EmbeddedKafkaBroker}) or, for tests, in a container (test-support's
 * {@code ContainerKafkaBroker}; its {@code KafkaBrokerResource} picks one).
 */
public interface KafkaBroker extends AutoCloseable {

    /** host:port for clients. */
    String bootstrapServers();

    /** Starts the broker, or brings it back after {@link #stop()} at the same address with its data. */
    KafkaBroker start();

    /** Takes the broker away (an outage), keeping its address and data for {@link #start()}. */
    void stop();

    boolean isRunning();

    /** Stops the broker for good and frees what it holds. */
    @Override
    void close();
}
