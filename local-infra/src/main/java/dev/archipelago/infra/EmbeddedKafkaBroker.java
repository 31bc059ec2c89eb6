package dev.archipelago.infra;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one), running in
 * this JVM from the Maven Central jars. It keeps its ports and data across {@link #stop()}
 * and {@link #start()}, so a test can take the broker away and bring it back with its data.
 */
public final class EmbeddedKafkaBroker implements KafkaBroker {

    private static final int NODE_ID = 1;

    private final Path dataDir;
    private final int brokerPort;
    private final int controllerPort;
    private final int partitions;
    private final String clusterId = Uuid.randomUuid().toString();
    private int scramPort;
    private Duration reauthentication;
    private boolean formatted;
    private KafkaRaftServer server;

    /** A broker on two free loopback ports, with {@code partitions} partitions for auto-created topics. */
    public EmbeddedKafkaBroker(int partitions) {
        this(tempDir(), FreePorts.next(), FreePorts.next(), partitions);
    }

    /** A broker on given ports with its data in {@code dataDir}; data formatted earlier is kept. */
    public EmbeddedKafkaBroker(Path dataDir, int brokerPort, int controllerPort, int partitions) {
        this.dataDir = dataDir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.partitions = partitions;
        this.formatted = Files.exists(dataDir.resolve("meta.properties"));
    }

    /**
     * Adds a SASL_PLAINTEXT listener taking SCRAM-SHA-512 (users made with {@link #upsertScramUser}),
     * whose connections must authenticate again every {@code reauthentication}. Before {@link #start()}.
     */
    public synchronized EmbeddedKafkaBroker withScramListener(Duration reauthentication) {
        this.scramPort = FreePorts.next();
        this.reauthentication = reauthentication;
        return this;
    }

    /** The SCRAM listener's address. */
    public String scramBootstrapServers() {
        if (scramPort == 0) {
            throw new IllegalStateException("this broker has no SCRAM listener");
        }
        return "127.0.0.1:" + scramPort;
    }

    /** Makes or changes a SCRAM-SHA-512 user (through the PLAINTEXT listener). */
    public void upsertScramUser(String user, String password) {
        try (var admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512,
                            4096),
                    password))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not set the SCRAM credentials of " + user + ": " + e.getMessage(), e);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("archipelago-kafka");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Formats the storage on first use, then starts the broker and waits until it accepts connections. */
    @Override
    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            return this;
        }
        Instant begin = Instant.now();
        try {
            if (!formatted) {
                new Formatter()
                        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                        .setClusterId(clusterId)
                        .setNodeId(NODE_ID)
                        .setDirectories(List.of(dataDir.toString()))
                        .setMetadataLogDirectory(dataDir.toString())
                        .setControllerListenerName("CONTROLLER")
                        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                        .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                        .run();
                formatted = true;
            }
            server = new KafkaRaftServer(KafkaConfig.fromProps(config(), false), Time.SYSTEM);
            server.startup();
        } catch (Exception e) {
            throw new IllegalStateException("the embedded Kafka broker did not start: " + e.getMessage(), e);
        }
        while (!FreePorts.answers(brokerPort)) {
            if (Duration.between(begin, Instant.now()).toSeconds() > 60) {
                throw new IllegalStateException("the embedded Kafka broker does not listen on " + bootstrapServers());
            }
            Thread.onSpinWait();
        }
        return this;
    }

    /** Stops the broker, keeping its data and ports for a later {@link #start()}. */
    @Override
    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Stops the broker and deletes its data. */
    @Override
    public synchronized void close() {
        stop();
        try (var paths = Files.walk(dataDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp data left behind is harmless
        }
    }

    @Override
    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    private Properties config() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        if (scramPort != 0) {
            p.put("listeners", p.get("listeners") + ",SASL_PLAINTEXT://127.0.0.1:" + scramPort);
            p.put("advertised.listeners", p.get("advertised.listeners") + ",SASL_PLAINTEXT://127.0.0.1:" + scramPort);
            p.put("listener.security.protocol.map", p.get("listener.security.protocol.map") + ",SASL_PLAINTEXT:SASL_PLAINTEXT");
            p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
            p.put("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            p.put("connections.max.reauth.ms", String.valueOf(reauthentication.toMillis()));
        }
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dataDir.toString());
        p.put("metadata.log.dir", dataDir.toString());
        p.put("num.partitions", String.valueOf(partitions));
        p.put("auto.create.topics.enable", "true");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.flush.interval.messages", "1");
        return p;
    }
}
