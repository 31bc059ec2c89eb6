package dev.archipelago.assembler;

import static dev.archipelago.assembler.AssemblerFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.archipelago.infra.LocalRegistry;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.events.ImageTarget;
import dev.archipelago.model.events.Schema;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.LogCapture;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The assembler's registry calls with credentials from an auth.json: HTTP basic (htpasswd), a
 * bearer-token challenge, and a wrong password, with distinct marker passwords that must appear
 * in no log line and no outcome.
 */
@QuarkusTest
@TestProfile(RegistryAuthTest.WithAuthRegistries.class)
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
class RegistryAuthTest {

    static final String BASIC_PASSWORD = "basic-" + UUID.randomUUID();
    static final String TOKEN_PASSWORD = "token-" + UUID.randomUUID();
    static final String WRONG_PASSWORD = "wrong-" + UUID.randomUUID();
    static final String RIGHT_PASSWORD_OF_THE_WRONG_ONE = "right-" + UUID.randomUUID();
    static LocalRegistry basic;
    static LocalRegistry token;
    static LocalRegistry refusing;
    static Path authFile;

    /** Starts the registries before the application, and gives it their auth.json. */
    public static class WithAuthRegistries implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            start();
            return Map.of("archipelago.assembler.auth-file", authFile.toString(),
                    "archipelago.assembler.insecure-registries",
                    String.join(",", basic.hostPort(), token.hostPort(), refusing.hostPort()));
        }
    }

    @InjectKafkaClient
    KafkaTestClient kafka;
    @RegisterExtension
    static final LogCapture logs = new LogCapture();

    static synchronized void start() {
        if (basic != null) {
            return;
        }
        basic = LocalRegistry.withBasicAuth("robot", BASIC_PASSWORD);
        token = LocalRegistry.withTokenAuth("robot", TOKEN_PASSWORD);
        refusing = LocalRegistry.withBasicAuth("robot", RIGHT_PASSWORD_OF_THE_WRONG_ONE);
        // Quarkus also evaluates the profile in a class loader of its own, whose copies of these fields
        // the test's @AfterAll never sees: whoever starts registries stops them when the JVM exits
        List<LocalRegistry> started = List.of(basic, token, refusing);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> started.forEach(LocalRegistry::close), "auth-registries"));
        try {
            authFile = Files.createTempDirectory("assembler-auth").resolve("auth.json");
            Files.writeString(authFile, "{\"auths\":{" + entry(basic, BASIC_PASSWORD) + "," + entry(token, TOKEN_PASSWORD) + ","
                    + entry(refusing, WRONG_PASSWORD) + "}}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void tearDown() {
        try (KafkaTestClient outcomes = KafkaTestClient.forSharedBroker()) {
            for (String secret : List.of(BASIC_PASSWORD, TOKEN_PASSWORD, WRONG_PASSWORD, RIGHT_PASSWORD_OF_THE_WRONG_ONE)) {
                assertThat(logs.linesContaining(secret)).as("log lines with a password").isEmpty();
                assertThat(outcomes.readUntilEnd(Topics.OUTCOMES, r -> r.value().contains(secret)))
                        .as("outcomes with a password").isEmpty();
            }
        }
    }

    @Test
    void pushesToARegistryWithBasicAuth() {
        BuildOutcome outcome = assemble(basic, BASIC_PASSWORD);

        assertThat(outcome.type()).as(String.valueOf(outcome.error())).isEqualTo(BuildOutcome.Type.INDEX_PUSHED);
        assertThat(basic.get("/v2/team/app/manifests/" + outcome.index().tags().get(0), MediaTypes.OCI_INDEX).statusCode())
                .isEqualTo(200);
    }

    @Test
    void pushesToARegistryBehindABearerTokenChallenge() {
        int before = token.tokenIssuer().issued();

        BuildOutcome outcome = assemble(token, TOKEN_PASSWORD);

        assertThat(outcome.type()).as(String.valueOf(outcome.error())).isEqualTo(BuildOutcome.Type.INDEX_PUSHED);
        assertThat(token.tokenIssuer().issued()).isGreaterThan(before);
        assertThat(token.get("/v2/team/app/manifests/" + outcome.index().tags().get(0), MediaTypes.OCI_INDEX).statusCode())
                .isEqualTo(200);
    }

    @Test
    void aWrongPasswordFailsWithIndexPushUnauthorizedNamingTheRegistryOnly() {
        BuildOutcome outcome = assemble(refusing, RIGHT_PASSWORD_OF_THE_WRONG_ONE);

        assertThat(outcome.type()).isEqualTo(BuildOutcome.Type.FAILED);
        assertThat(outcome.error().code()).isEqualTo(BuildErrorCode.INDEX_PUSH_UNAUTHORIZED);
        assertThat(outcome.error().message()).contains(refusing.hostPort()).doesNotContain(WRONG_PASSWORD);
    }

    /** Pushes the test images to the registry with the right password, then lets the assembler join them. */
    private BuildOutcome assemble(LocalRegistry registry, String pushPassword) {
        Path pushAuth = registry.writeAuthFile(authFile.getParent().resolve("push-" + UUID.randomUUID() + ".json"), "robot",
                pushPassword);
        String repository = registry.hostPort() + "/team/app";
        Map<String, String> digests = TestImages.pushTo(repository, pushAuth);
        String id = newBuildId();
        String tag = uniqueTag("auth");
        for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE)) {
            ArchBuildRequest base = request(platform, id, List.of(tag));
            ArchBuildRequest request = new ArchBuildRequest(Schema.CURRENT, id, 1, platform, base.platforms(), base.source(),
                    new ImageTarget(repository, "t", "t-" + platform.tagSafeName(), List.of(tag), null), null, null, 1800,
                    false,
                    REQUESTED, false);
            publish(kafka, succeeded(request, digests.get(platform.tagSafeName()), MediaTypes.OCI_MANIFEST));
        }
        return outcome(kafka, id, 1);
    }

    private static String entry(LocalRegistry registry, String password) {
        return "\"" + registry.hostPort() + "\":{\"auth\":\"" + Base64.getEncoder().encodeToString(
                ("robot:" + password).getBytes(StandardCharsets.UTF_8)) + "\"}";
    }
}
