package dev.archipelago.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.archipelago.infra.LocalRegistry;
import dev.archipelago.model.Digests;
import dev.archipelago.model.MediaTypes;

/** The registry client against the real distribution registry: pushes, streamed pulls with limits, credentials. */
class RegistryClientTest {

    private static LocalRegistry registry;
    private static LocalRegistry locked;
    private static RegistryClient client;

    @TempDir
    Path work;

    @BeforeAll
    static void start() {
        registry = LocalRegistry.anonymous();
        locked = LocalRegistry.withBasicAuth("robot", "s3cret-" + System.nanoTime());
        client = new RegistryClient(RegistryCredentials.none(), Set.of(registry.hostPort(), locked.hostPort()),
                Duration.ofSeconds(5),
                Duration.ofSeconds(30), 2);
    }

    @AfterAll
    static void stop() {
        registry.close();
        locked.close();
    }

    @Test
    void pushesABlobFromAFileOnceAndStreamsItBackCheckedAgainstItsDigest() throws Exception {
        byte[] bytes = new byte[3 * 1024 * 1024];
        new Random(1).nextBytes(bytes);
        Path file = Files.write(work.resolve("blob"), bytes);
        String digest = Digests.sha256(bytes);

        client.pushBlob(registry.hostPort(), "client/blobs", digest, file);
        client.pushBlob(registry.hostPort(), "client/blobs", digest, file);

        assertThat(registry.logLines()).filteredOn(l -> l.contains("\"PUT /v2/client/blobs/blobs/uploads/")).as("one upload")
                .hasSize(1);
        Path back = work.resolve("back");
        client.getBlobTo(registry.hostPort(), "client/blobs", digest, back, bytes.length);
        assertThat(Files.readAllBytes(back)).isEqualTo(bytes);
    }

    @Test
    void aBlobOverTheLimitIsRefusedAndLeavesNoFile() throws Exception {
        byte[] bytes = new byte[200_000];
        String digest = client.pushBlob(registry.hostPort(), "client/limit", bytes);
        Path back = work.resolve("back");

        RegistryException e = catchThrowableOfType(RegistryException.class,
                () -> client.getBlobTo(registry.hostPort(), "client/limit", digest, back, 100_000));

        assertThat(e.kind()).isEqualTo(RegistryException.Kind.TOO_LARGE);
        assertThat(e.getMessage()).contains("over the limit of 100000 bytes");
        assertThat(back).doesNotExist();
    }

    @Test
    void aManifestPushedByDigestIsReadBackByDigest() {
        String config = client.pushBlob(registry.hostPort(), "client/artifact", "{}".getBytes(StandardCharsets.UTF_8));
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + config + "\",\"size\":2},\"layers\":[]}")
                .getBytes(StandardCharsets.UTF_8);
        String digest = client.putManifest(registry.hostPort(), "client/artifact", Digests.sha256(manifest),
                MediaTypes.OCI_MANIFEST, manifest);

        assertThat(client.getManifest(registry.hostPort(), "client/artifact", digest, MediaTypes.OCI_MANIFEST).body())
                .isEqualTo(manifest);
    }

    @Test
    void aPushWithoutCredentialsIsRefusedAsUnauthorizedWithoutTheirValue() {
        RegistryException e = catchThrowableOfType(RegistryException.class,
                () -> client.pushBlob(locked.hostPort(), "client/locked", new byte[] { 1, 2, 3 }));
        assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHORIZED);
        assertThat(e.isTransient()).isFalse();
        assertThat(e.getMessage()).contains(locked.hostPort()).contains("refused or are missing");
    }

    @Test
    void aUsersCredentialsComeFromContainersAuthJsonThenDockersConfigJson(@TempDir Path home) throws Exception {
        Path containers = Files.createDirectories(home.resolve(".config/containers")).resolve("auth.json");
        Files.writeString(containers,
                "{\"auths\": {\"a.example\": {\"auth\": \"" + basic("from-containers", "pw-containers") + "\"}}}");
        Path docker = Files.createDirectories(home.resolve(".docker")).resolve("config.json");
        Files.writeString(docker, "{\"auths\": {\"a.example\": {\"auth\": \"" + basic("from-docker", "pw-docker") + "\"}, "
                + "\"https://b.example/v1/\": {\"auth\": \"" + basic("docker-only", "pw-docker-only") + "\"}}}");

        RegistryCredentials credentials = RegistryCredentials.forUser(Map.of(), home);

        assertThat(credentials.forHost("a.example"))
                .hasValueSatisfying(l -> assertThat(l.username()).isEqualTo("from-containers"));
        assertThat(credentials.forHost("b.example")).hasValueSatisfying(l -> assertThat(l.username()).isEqualTo("docker-only"));
        assertThat(credentials.toString()).doesNotContain("pw-");
        Path override = Files.writeString(home.resolve("other.json"),
                "{\"auths\": {\"a.example\": {\"auth\": \"" + basic("override", "w") + "\"}}}");
        assertThat(RegistryCredentials.forUser(Map.of("REGISTRY_AUTH_FILE", override.toString()), home).forHost("a.example"))
                .hasValueSatisfying(l -> assertThat(l.username()).isEqualTo("override"));
    }

    private static String basic(String user, String password) {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
