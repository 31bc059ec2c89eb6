package dev.archipelago.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.common.header.internals.RecordHeader;

import dev.archipelago.infra.LocalRegistry;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.infra.Tools;
import dev.archipelago.model.BuildContexts;
import dev.archipelago.model.Digests;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildCancel;
import dev.archipelago.model.events.ImageTarget;
import dev.archipelago.model.events.PinnedSource;
import dev.archipelago.model.events.Schema;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryCredentials;
import dev.archipelago.testsupport.KafkaTestClient;

/**
 * What the worker tests share: the registries (one anonymous, one with htpasswd whose auth.json
 * entry holds a wrong password), git repositories of busybox images, and playing the dispatcher.
 */
final class WorkerFixture {

    static final String WRONG_PASSWORD = "wrong-" + UUID.randomUUID();
    static final String REAL_PASSWORD = "real-" + UUID.randomUUID();
    static LocalRegistry open;
    static LocalRegistry locked;
    static Path authFile;

    private WorkerFixture() {
    }

    static synchronized void startRegistries() {
        if (open != null) {
            return;
        }
        open = LocalRegistry.anonymous();
        locked = LocalRegistry.withBasicAuth("robot", REAL_PASSWORD);
        try {
            authFile = Files.createTempDirectory("worker-auth").resolve("auth.json");
            Files.writeString(authFile, "{\"auths\":{\"" + locked.hostPort() + "\":{\"auth\":\"" + Base64.getEncoder()
                    .encodeToString(("robot:" + WRONG_PASSWORD).getBytes(StandardCharsets.UTF_8)) + "\"}}}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            open.close();
            locked.close();
        }));
    }

    /** Fresh storage, work and results folders for each test JVM, so no test sees another run's cache. */
    private static Path scratch;

    static Map<String, String> config(String platform, boolean emulation) {
        startRegistries();
        try {
            if (scratch == null) {
                scratch = Files.createTempDirectory("archipelago-worker-test");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String root = scratch.resolve(Platform.parse(platform).tagSafeName()).toString();
        return Map.ofEntries(Map.entry("archipelago.worker.platform", platform),
                Map.entry("archipelago.worker.storage-root", root + "/storage"),
                Map.entry("archipelago.worker.run-root", root + "/run"),
                Map.entry("archipelago.worker.work-dir", root + "/work"),
                Map.entry("archipelago.worker.results-dir", root + "/results"),
                Map.entry("archipelago.worker.emulation", String.valueOf(emulation)),
                Map.entry("archipelago.worker.auth-file", authFile.toString()),
                Map.entry("archipelago.worker.insecure-registries", open.hostPort() + "," + locked.hostPort()),
                Map.entry("archipelago.worker.id", "test-worker-" + Platform.parse(platform).tagSafeName()));
    }

    /** A repository with a static busybox of the platform and a Dockerfile with RUN steps. */
    static ScratchGitRepository busyboxRepository(Platform binaryPlatform, String extraDockerfileLines) {
        ScratchGitRepository git = ScratchGitRepository.create();
        git.copy(Tools.busybox(binaryPlatform), "busybox").write("Dockerfile", """
                FROM scratch
                COPY busybox /bin/busybox
                RUN ["/bin/busybox", "--install", "-s", "/bin"]
                RUN uname -m > /built-on
                %s
                CMD ["/bin/cat", "/built-on"]
                """.formatted(extraDockerfileLines));
        git.commit("image");
        return git;
    }

    static ArchBuildRequest request(Platform platform, ScratchGitRepository git, String contextDir, String dockerfile,
            String repository, int timeoutSeconds) {
        String id = UUID.randomUUID().toString();
        return new ArchBuildRequest(Schema.CURRENT, id, 1, platform, List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE),
                PinnedSource.ofCommit(git.url(), "main", git.head(), contextDir, dockerfile),
                new ImageTarget(repository, "t", "t-" + platform.tagSafeName() + "-" + id.substring(0, 8), List.of("t"), null),
                Map.of("GREETING", "hello"), Map.of("team", "platform"), timeoutSeconds, false, Instant.now(), false);
    }

    /** A request to build a bundle (a build context pushed to a registry, as the CLI does). */
    static ArchBuildRequest bundleRequest(Platform platform, String bundle) {
        String id = UUID.randomUUID().toString();
        return new ArchBuildRequest(Schema.CURRENT, id, 1, platform, List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE),
                PinnedSource.ofBundle(bundle, ".", "Dockerfile"),
                new ImageTarget(open.hostPort() + "/worker/bundled", "t",
                        "t-" + platform.tagSafeName() + "-" + id.substring(0, 8),
                        List.of("t"), null),
                Map.of(), Map.of(), 300, false, Instant.now(), false);
    }

    /**
     * Pushes a gzip tar to the open registry the way the CLI pushes a context (an OCI artifact of
     * the build-context type, pushed by digest); returns its bundle reference.
     */
    static String pushBundle(Path archive) throws IOException {
        RegistryClient registry = new RegistryClient(RegistryCredentials.none(), Set.of(open.hostPort()), Duration.ofSeconds(5),
                Duration.ofSeconds(60), 2);
        byte[] bytes = Files.readAllBytes(archive);
        String layer = registry.pushBlob(open.hostPort(), "worker/contexts", bytes);
        String config = registry.pushBlob(open.hostPort(), "worker/contexts", "{}".getBytes(StandardCharsets.UTF_8));
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"artifactType\":\""
                + BuildContexts.ARTIFACT_TYPE
                + "\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\""
                + config + "\",\"size\":2},\"layers\":[{\"mediaType\":\"" + BuildContexts.LAYER_MEDIA_TYPE + "\",\"digest\":\""
                + layer + "\",\"size\":" + bytes.length + "}]}").getBytes(StandardCharsets.UTF_8);
        String digest = registry.putManifest(open.hostPort(), "worker/contexts", Digests.sha256(manifest),
                MediaTypes.OCI_MANIFEST,
                manifest);
        return open.hostPort() + "/worker/contexts@" + digest;
    }

    static ArchBuildRequest request(Platform platform, ScratchGitRepository git) {
        return request(platform, git, ".", "Dockerfile", open.hostPort() + "/worker/app", 300);
    }

    static void send(KafkaTestClient kafka, ArchBuildRequest request) {
        kafka.send(Topics.requestsFor(request.platform()), request.buildId(), EventJson.encodeToString(request),
                new RecordHeader(Topics.RECORD_TYPE_HEADER, Topics.TYPE_ARCH_BUILD_REQUEST.getBytes(StandardCharsets.UTF_8)));
    }

    static void cancel(KafkaTestClient kafka, ArchBuildRequest request) {
        BuildCancel cancel = new BuildCancel(Schema.CURRENT, request.buildId(), request.attempt(), request.platform(), "test",
                Instant.now());
        kafka.send(Topics.requestsFor(request.platform()), request.buildId(), EventJson.encodeToString(cancel),
                new RecordHeader(Topics.RECORD_TYPE_HEADER, Topics.TYPE_BUILD_CANCEL.getBytes(StandardCharsets.UTF_8)));
    }

    /** Waits for the build's final result (SUCCEEDED or FAILED) and returns it. */
    static ArchBuildEvent result(KafkaTestClient kafka, ArchBuildRequest request) {
        return results(kafka, request, 1).get(0);
    }

    static List<ArchBuildEvent> results(KafkaTestClient kafka, ArchBuildRequest request, int finals) {
        List<KafkaTestClient.Received> records = kafka.read(Topics.RESULTS, r -> request.buildId().equals(r.key())
                && !r.value().contains("\"type\":\"STARTED\""), finals, Duration.ofSeconds(120));
        assertThat(records).as("final results of build %s", request.buildId()).hasSize(finals);
        return records.stream().map(r -> EventJson.decode(r.value(), ArchBuildEvent.class)).toList();
    }

    static List<ArchBuildEvent> allEvents(KafkaTestClient kafka, ArchBuildRequest request) {
        return kafka.readAll(Topics.RESULTS, request.buildId()).stream()
                .map(r -> EventJson.decode(r.value(), ArchBuildEvent.class)).toList();
    }

    static boolean tagExists(LocalRegistry registry, ArchBuildRequest request) {
        String repository = request.image().repository().substring(request.image().repository().indexOf('/') + 1);
        return registry.get("/v2/" + repository + "/manifests/" + request.image().archTag(),
                "application/vnd.oci.image.manifest.v1+json").statusCode() == 200;
    }
}
