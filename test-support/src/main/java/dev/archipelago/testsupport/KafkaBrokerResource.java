package dev.archipelago.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.testcontainers.DockerClientFactory;

import dev.archipelago.infra.EmbeddedKafkaBroker;
import dev.archipelago.infra.KafkaBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A Quarkus test resource that gives the application a real Kafka broker, one per test JVM,
 * started on first use and stopped when the JVM exits, so that several test classes share it.
 * Tests keep apart by using their own build ids or topics.
 *
 * <p>
 * Where the broker runs is {@code archipelago.test.kafka} (or ARCHIPELAGO_TEST_KAFKA):
 * {@code container} on Testcontainers' KafkaContainer, {@code embedded} in this JVM, {@code auto}
 * (the default) in a container when a Docker-compatible engine answers (Docker, or podman's API
 * named by DOCKER_HOST), else in this JVM. With {@code archipelago.test.podman-api=true} and
 * DOCKER_HOST naming a unix socket, the container path serves podman's API there itself, with
 * an apache/kafka image made from Debian packages and Kafka's jars: how CI runs it on a machine
 * without Docker and without a reachable registry.
 *
 * <p>
 * Use with {@code @WithTestResource(KafkaBrokerResource.class)}; it sets
 * {@code kafka.bootstrap.servers} and fills the test's {@link InjectKafkaClient} fields with a
 * client of the broker.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    private static KafkaBroker broker;

    /** The JVM's broker, started on first call. */
    public static synchronized KafkaBroker broker() {
        if (broker == null) {
            KafkaBroker started = choose();
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "test-kafka-shutdown"));
            broker = started;
        }
        if (!broker.isRunning()) {
            broker.start();
        }
        return broker;
    }

    private static KafkaBroker choose() {
        String mode = System.getProperty("archipelago.test.kafka",
                System.getenv().getOrDefault("ARCHIPELAGO_TEST_KAFKA", "auto"));
        return switch (mode) {
            case "embedded" -> new EmbeddedKafkaBroker(3).start();
            case "container" -> {
                if (Boolean.getBoolean("archipelago.test.podman-api")) {
                    servePodmanApi();
                }
                if (!engineAnswers()) {
                    throw new IllegalStateException(
                            "archipelago.test.kafka=container, but no Docker-compatible engine answers: "
                                    + "start Docker, or podman's API (podman system service) with DOCKER_HOST naming its socket");
                }
                yield new ContainerKafkaBroker(3).start();
            }
            case "auto" -> engineAnswers() ? new ContainerKafkaBroker(3).start() : new EmbeddedKafkaBroker(3).start();
            default ->
                throw new IllegalArgumentException("archipelago.test.kafka is '" + mode + "': auto, container or embedded");
        };
    }

    private static boolean engineAnswers() {
        boolean somewhereToLook = System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!somewhereToLook) {
            return false; // no engine to ask: spares every test JVM Testcontainers' search and its error log
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** podman's Docker-compatible API on DOCKER_HOST's socket, with the apache/kafka image made here. */
    private static void servePodmanApi() {
        String dockerHost = System.getenv("DOCKER_HOST");
        if (dockerHost == null || !dockerHost.startsWith("unix://")) {
            throw new IllegalStateException(
                    "archipelago.test.podman-api=true needs DOCKER_HOST=unix://<socket path>, not " + dockerHost);
        }
        Path socket = Path.of(dockerHost.substring("unix://".length()));
        if (Podman.pings(socket)) {
            return; // served already, for an earlier application of this JVM
        }
        Podman podman = Podman.isolated();
        // whether a broker ever starts on it or not, the engine and what it runs go when the JVM does
        Runtime.getRuntime().addShutdownHook(new Thread(podman::close, "test-podman-shutdown"));
        new StandInImages(podman).kafka("docker.io/" + ContainerKafkaBroker.IMAGE);
        podman.serveDockerApi(socket);
    }

    @Override
    public Map<String, String> start() {
        return Map.of("kafka.bootstrap.servers", broker().bootstrapServers());
    }

    private KafkaTestClient client;

    @Override
    public synchronized void inject(TestInjector testInjector) {
        if (client == null) {
            client = KafkaTestClient.forSharedBroker();
        }
        testInjector.injectIntoFields(client,
                new TestInjector.AnnotatedAndMatchesType(InjectKafkaClient.class, KafkaTestClient.class));
    }

    @Override
    public synchronized void stop() {
        // The broker is shared by every test class of this JVM; the shutdown hook stops it.
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
