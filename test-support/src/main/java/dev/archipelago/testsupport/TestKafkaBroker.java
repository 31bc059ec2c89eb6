package dev.archipelago.testsupport;

/**
 * The Kafka broker the tests of one JVM share: in the JVM ({@link EmbeddedKafkaBroker}) or in a
 * container ({@link ContainerKafkaBroker}); {@link KafkaBrokerResource} picks one.
 */
public interface TestKafkaBroker extends AutoCloseable {

    /** host:port for clients. */
    String bootstrapServers();

    /** Starts the broker, or brings it back after {@link #stop()} at the same address with its data. */
    TestKafkaBroker start();

    /** Takes the broker away (an outage), keeping its address and data for {@link #start()}. */
    void stop();

    boolean isRunning();

    /** Stops the broker for good and frees what it holds. */
    @Override
    void close();
}
