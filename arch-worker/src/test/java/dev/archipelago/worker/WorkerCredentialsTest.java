package dev.archipelago.worker;

import static dev.archipelago.worker.WorkerFixture.busyboxRepository;
import static dev.archipelago.worker.WorkerFixture.request;
import static dev.archipelago.worker.WorkerFixture.result;
import static dev.archipelago.worker.WorkerFixture.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import javax.security.auth.login.AppConfigurationEntry;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.archipelago.infra.EmbeddedKafkaBroker;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.LogCapture;
import dev.archipelago.worker.kafka.PasswordFileCallbackHandler;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A worker on another cluster authenticates to the hub's Kafka with SCRAM-SHA-512 and a password
 * from a mounted Secret (the openshift profile's settings, on a SASL_PLAINTEXT listener here).
 * The password is rotated on the broker and in the file while the worker runs: the old one is
 * refused from then on, and the worker, which reads the file at every authentication (the broker
 * makes connections authenticate again every 3 s), keeps sending heartbeats and building with no
 * restart. Neither password reaches the worker's log.
 */
@QuarkusTest
@TestProfile(WorkerCredentialsTest.ScramWorker.class)
@WithTestResource(WorkerCredentialsTest.ScramBroker.class)
class WorkerCredentialsTest {

    static final String USER = Topics.workerGroupFor(Platform.LINUX_AMD64);
    static final String FIRST = "first-" + UUID.randomUUID();
    static final String SECOND = "second-" + UUID.randomUUID();
    static final Duration REAUTHENTICATION = Duration.ofSeconds(3);

    /** A broker of this test's own, with a SCRAM listener; the worker's user and password file. */
    public static class ScramBroker implements QuarkusTestResourceLifecycleManager {
        static EmbeddedKafkaBroker broker;
        static Path passwordFile;

        @Override
        public Map<String, String> start() {
            broker = new EmbeddedKafkaBroker(3).withScramListener(REAUTHENTICATION).start();
            broker.upsertScramUser(USER, FIRST);
            try {
                passwordFile = Files.createTempDirectory("kafka-user").resolve("password");
                Files.writeString(passwordFile, FIRST + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Map<String, String> config = new HashMap<>();
            config.put("kafka.bootstrap.servers", broker.scramBootstrapServers());
            config.put("kafka.security.protocol", "SASL_PLAINTEXT");
            config.put("kafka.sasl.mechanism", "SCRAM-SHA-512");
            config.put("kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                    + USER + "\" password_file=\"" + passwordFile + "\";");
            config.put("kafka.sasl.client.callback.handler.class", "dev.archipelago.worker.kafka.PasswordFileCallbackHandler");
            return config;
        }

        @Override
        public void stop() {
            if (broker != null) {
                broker.close();
            }
        }
    }

    public static class ScramWorker implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(WorkerFixture.config("linux/amd64", false));
            config.put("archipelago.worker.id", "scram-worker");
            config.put("archipelago.worker.heartbeat-interval", "1s");
            return config;
        }
    }

    private static KafkaTestClient kafka;
    @RegisterExtension
    static final LogCapture logs = new LogCapture();

    @BeforeAll
    static void setUp() {
        kafka = new KafkaTestClient(ScramBroker.broker.bootstrapServers());
    }

    @AfterAll
    static void tearDown() {
        kafka.close();
        assertThat(logs.lines()).as("the worker's log").noneMatch(line -> line.contains(FIRST) || line.contains(SECOND));
    }

    @Test
    void aRotatedPasswordIsReadFromItsFileAndTheWorkerKeepsWorkingWithoutARestart() throws Exception {
        try (ScratchGitRepository app = busyboxRepository(Platform.LINUX_AMD64, "")) {
            ArchBuildRequest before = request(Platform.LINUX_AMD64, app);
            send(kafka, before);
            assertThat(result(kafka, before).type()).isEqualTo(ArchBuildEvent.Type.SUCCEEDED);

            ScramBroker.broker.upsertScramUser(USER, SECOND);
            Files.writeString(ScramBroker.passwordFile, SECOND + "\n");
            Instant rotated = Instant.now();
            assertThat(authenticates(FIRST)).as("the old password, once rotated").isFalse();
            assertThat(authenticates(SECOND)).isTrue();

            // past several re-authentications, each of which reads the file again
            long after = kafka.read(Topics.HEARTBEATS, r -> "scram-worker".equals(r.key())
                    && sentAt(r.value()).isAfter(rotated.plus(REAUTHENTICATION.multipliedBy(3))), 1, Duration.ofSeconds(60))
                    .size();
            assertThat(after).as("a heartbeat sent three re-authentications after the rotation").isEqualTo(1);
            ArchBuildRequest later = request(Platform.LINUX_AMD64, app);
            send(kafka, later);
            assertThat(result(kafka, later).type()).isEqualTo(ArchBuildEvent.Type.SUCCEEDED);
        }
    }

    private static Instant sentAt(String heartbeat) {
        var matcher = Pattern.compile("\"sentAt\":\"([^\"]+)\"").matcher(heartbeat);
        return matcher.find() ? Instant.parse(matcher.group(1)) : Instant.EPOCH;
    }

    /** Whether the SCRAM listener takes this password for the worker's user. */
    private static boolean authenticates(String password) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", ScramBroker.broker.scramBootstrapServers(),
                "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER
                        + "\" password=\"" + password + "\";"))) {
            admin.describeCluster().clusterId().get(20, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SaslAuthenticationException) {
                return false;
            }
            throw e;
        }
    }

    @Test
    void aLoginWithoutAPasswordFileIsRefusedWhenTheClientIsMade() {
        AppConfigurationEntry noFile = new AppConfigurationEntry("org.apache.kafka.common.security.scram.ScramLoginModule",
                AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, Map.of("username", USER));
        assertThatThrownBy(() -> new PasswordFileCallbackHandler().configure(Map.of(), "SCRAM-SHA-512", List.of(noFile)))
                .hasMessageContaining("needs the options username and password_file");
    }
}
