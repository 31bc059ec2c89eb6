package dev.archipelago.testsupport;

import java.time.Duration;

import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;

import dev.archipelago.infra.KafkaBroker;

/**
 * The broker on Testcontainers' {@code KafkaContainer}: the apache/kafka image of the Kafka version
 * the in-JVM broker runs, its port published on loopback only. An outage ({@link #stop()}) pauses
 * the container, so the address stays the same for {@link #start()}.
 */
public final class ContainerKafkaBroker implements KafkaBroker {

    /** The image KafkaContainer runs; set ARCHIPELAGO_TEST_KAFKA_IMAGE for another. */
    public static final String IMAGE = "apache/kafka:4.1.2";

    private final KafkaContainer container;
    private boolean paused;

    public ContainerKafkaBroker(int partitions) {
        String image = System.getenv().getOrDefault("ARCHIPELAGO_TEST_KAFKA_IMAGE", IMAGE);
        this.container = new KafkaContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"))
                .withEnv("KAFKA_NUM_PARTITIONS", String.valueOf(partitions))
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withStartupTimeout(Duration.ofMinutes(3))
                .withCreateContainerCmdModifier(create -> create.getHostConfig().withPortBindings(
                        new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(9092))));
    }

    @Override
    public synchronized ContainerKafkaBroker start() {
        if (!container.isRunning()) {
            container.start();
        } else if (paused) {
            container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
            paused = false;
        }
        return this;
    }

    @Override
    public synchronized void stop() {
        if (container.isRunning() && !paused) {
            container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
            paused = true;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return container.isRunning() && !paused;
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    /** The container's id, for tests that look at it through the engine. */
    public String containerId() {
        return container.getContainerId();
    }

    @Override
    public synchronized void close() {
        container.stop();
    }
}
