package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPInputStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.infra.Buildah;
import dev.archipelago.infra.FreePorts;
import dev.archipelago.infra.LocalRegistry;
import dev.archipelago.infra.Processes;
import dev.archipelago.infra.Skopeo;
import dev.archipelago.model.Platform;
import dev.archipelago.testsupport.CosignSignatures;
import dev.archipelago.testsupport.Podman;
import dev.archipelago.testsupport.StandInImages;

/**
 * Archipelago deployed from its own images: {@code scripts/images.sh} builds the three services'
 * images for amd64 and ppc64le with Archipelago itself and pushes them to a registry; the images
 * are checked from outside (index, configs, the ELF machine of every executable in every layer);
 * then {@code docker-compose.yml} is brought up with podman-compose and those images, Kafka,
 * PostgreSQL and the registry (here images of the same software made from Debian packages and
 * Kafka's Maven jars, through {@code compose.stand-ins.yml}: no container registry is reachable),
 * health-gated, and a two-platform build goes through the composed dispatcher. Last, the ppc64le
 * worker image itself starts under QEMU and reports ready.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComposeTest {

    private static final String PROJECT = "archipelago-compose-test";
    private static final Map<Platform, Integer> ELF_MACHINE = Map.of(Platform.LINUX_AMD64, 62, Platform.LINUX_PPC64LE, 21);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path root;
    private static Path work;
    private static String version;
    private static LocalRegistry images;
    private static Podman podman;
    private static Path publicKey;
    private static String imagesTranscript;
    private static final Map<String, String> composeEnvironment = new LinkedHashMap<>();
    private static String adminToken;
    private static boolean composeStarted;

    @BeforeAll
    static void buildTheImagesWithArchipelago() throws Exception {
        root = ServiceConfig.repoRoot();
        version = ServiceConfig.projectVersion();
        work = Files.createTempDirectory("archipelago-compose");
        images = LocalRegistry.anonymous();
        // scripts/images.sh as a user runs it, minus its set-up and Maven build: this test runs after them
        Path home = work.resolve("images-stack");
        Files.createDirectories(home);
        Files.writeString(home.resolve("classpath"), System.getProperty("java.class.path"));
        // the user's own signing key, as a Secret would hold it
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair key = generator.generateKeyPair();
        Path signingKey = Files.writeString(work.resolve("cosign.key"), pem("PRIVATE KEY", key.getPrivate().getEncoded()));
        publicKey = Files.writeString(work.resolve("cosign.pub"), pem("PUBLIC KEY", key.getPublic().getEncoded()));
        Instant started = Instant.now();
        Processes.Result result = Processes.run(Duration.ofMinutes(40), root,
                Map.of("ARCHIPELAGO_IMAGES_HOME", home.toString(), "ARCHIPELAGO_PREBUILT", "1"),
                List.of("bash", "scripts/images.sh", "--push", images.hostPort(), "--tls-verify=false", "--signing-key",
                        signingKey.toString()));
        imagesTranscript = result.stdout() + result.stderr();
        Files.writeString(root.resolve("local-stack/target/images-transcript.txt"), "$ scripts/images.sh --push "
                + images.hostPort() + " --tls-verify=false   (" + Duration.between(started, Instant.now()).toSeconds() + " s)\n"
                + imagesTranscript);
        assertThat(result.exitCode()).as(imagesTranscript).isZero();
        podman = Podman.isolated();
    }

    @AfterAll
    static void stopEverything() {
        if (podman != null) {
            if (composeStarted) {
                Processes.Result logs = compose(Duration.ofMinutes(2), "logs");
                try {
                    Files.writeString(root.resolve("local-stack/target/compose-logs.txt"), logs.stdout() + logs.stderr());
                } catch (IOException ignored) {
                    // the logs are a help when the test failed, nothing more
                }
                compose(Duration.ofMinutes(3), "down", "-v");
            }
            podman.close();
        }
        if (images != null) {
            images.close();
        }
        if (work != null) {
            try (var paths = Files.walk(work)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // leftovers in the temp folder are harmless
            }
        }
    }

    @Test
    @Order(1)
    void eachServiceIsAnIndexOfBothPlatformsWhoseEveryExecutableIsOfItsPlatform() throws Exception {
        assertThat(imagesTranscript).contains("cannot be reached from here, so the base is made from Debian packages");
        for (String service : ServiceImages.SERVICES) {
            String reference = images.hostPort() + "/archipelago/" + service + ":" + version;
            JsonNode index = Skopeo.inspect(reference, "--raw");
            assertThat(index.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
            Map<String, String> children = new TreeMap<>();
            index.path("manifests").forEach(m -> children.put(m.path("platform").path("os").asText() + "/"
                    + m.path("platform").path("architecture").asText(), m.path("digest").asText()));
            assertThat(children).as(service).containsOnlyKeys("linux/amd64", "linux/ppc64le");
            for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE)) {
                String child = images.hostPort() + "/archipelago/" + service + "@" + children.get(platform.ociName());
                JsonNode config = Skopeo.inspect(child, "--config", "--raw");
                assertThat(config.path("architecture").asText()).as(service + " " + platform)
                        .isEqualTo(platform.architecture());
                assertThat(config.path("config").path("User").asText()).as(service + " runs as").isIn("185", "1000");
                JsonNode manifest = Skopeo.inspect(child, "--raw");
                Map<Integer, Integer> machines = new TreeMap<>();
                for (JsonNode layer : manifest.path("layers")) {
                    try (InputStream blob = Files.newInputStream(blobPath(layer.path("digest").asText()))) {
                        ImageLayers.elfMachines(blob).forEach((machine, count) -> machines.merge(machine, count, Integer::sum));
                    }
                }
                System.out.printf("%s %s: ELF files per machine %s%n", service, platform, machines);
                assertThat(machines).as("%s %s: the ELF files of every layer", service, platform)
                        .containsOnlyKeys(ELF_MACHINE.get(platform));
                assertThat(machines.get(ELF_MACHINE.get(platform))).as("java, git and their libraries at least")
                        .isGreaterThan(50);
            }
        }
    }

    @Test
    @Order(2)
    void composeUpHealthGatedThenATwoPlatformBuildThroughTheComposedDispatcher() throws Exception {
        loadImages();
        new StandInImages(podman).all();
        writeComposeEnvironment();
        composeStarted = true;
        compose(Duration.ofMinutes(3), "up", "-d", "kafka", "postgres", "registry").orThrow();
        for (String service : List.of("kafka", "postgres", "registry")) {
            awaitTrue(Duration.ofMinutes(3), service + " healthy",
                    () -> podman.podman(Duration.ofSeconds(60), "healthcheck", "run", container(service)).ok());
        }
        compose(Duration.ofMinutes(3), "up", "-d").orThrow();

        String management = "http://127.0.0.1:" + composeEnvironment.get("ARCHIPELAGO_MANAGEMENT_PORT");
        awaitTrue(Duration.ofMinutes(3), "the dispatcher's /q/health UP", () -> status(management + "/q/health") == 200);
        assertThat(get(management + "/q/health", null).body()).contains("\"UP\"");
        awaitTrue(Duration.ofMinutes(3), "both workers live", () -> liveWorkers().containsAll(
                Set.of("compose-native", "compose-ppc64le-emulated")));

        String registry = "127.0.0.1:" + composeEnvironment.get("ARCHIPELAGO_REGISTRY_PORT");
        LocalStack.pushBusyboxBase(registry, List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE));
        // the CLI runs in a container on the compose network: there the registry is registry:5000,
        // the name the workers push to
        Processes.Result cli = podman.podman(Duration.ofMinutes(10), "run", "--rm", "--network", PROJECT + "_default",
                "--entrypoint", "java", "-v", root.resolve("cli/target/archipelago-cli.jar") + ":/opt/archipelago-cli.jar:ro",
                "-v", root.resolve("examples/hello-multiarch") + ":/src:ro",
                "-e", "ARCHIPELAGO_API=http://build-dispatcher:8080", "-e", "ARCHIPELAGO_TOKEN=" + adminToken,
                "-e", "ARCHIPELAGO_INSECURE_REGISTRIES=registry:5000", "-e", "HOME=/tmp",
                "localhost/archipelago/build-dispatcher:" + version, "-jar", "/opt/archipelago-cli.jar", "build",
                "-t", "registry:5000/demos/hello-multiarch:compose", "--platform", "linux/amd64,linux/ppc64le",
                "--allow-emulation", "--build-arg", "BASE=registry:5000/base/busybox:stable", "--timeout", "10m", "/src");
        System.out.println(cli.stdout() + cli.stderr());
        assertThat(cli.exitCode()).as(cli.stdout() + cli.stderr()).isZero();
        assertThat(cli.stdout()).contains("on compose-native (native)").contains("on compose-ppc64le-emulated (emulated)");

        JsonNode index = Skopeo.inspect(registry + "/demos/hello-multiarch:compose", "--raw");
        List<String> architectures = new ArrayList<>();
        index.path("manifests").forEach(m -> architectures.add(m.path("platform").path("architecture").asText()));
        assertThat(architectures).containsExactlyInAnyOrder("amd64", "ppc64le");
        try (Buildah buildah = Buildah.isolated()) {
            for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE)) {
                assertThat(buildah.runIn(registry + "/demos/hello-multiarch:compose", platform, "/usr/local/bin/hello"))
                        .startsWith("Hello from " + platform.unameMachine());
            }
        }
    }

    @Test
    @Order(3)
    void thePpc64leWorkerImageStartsUnderQemuAndReportsReady() throws Exception {
        String local = "localhost/archipelago/arch-worker:" + version + "-ppc64le";
        podman.run(Duration.ofMinutes(10), null,
                List.of("skopeo", "copy", "--src-tls-verify=false", "--override-arch", "ppc64le",
                        "docker://" + images.hostPort() + "/archipelago/arch-worker:" + version, "containers-storage:" + local))
                .orThrow();
        int management = FreePorts.next();
        podman.podman(Duration.ofMinutes(2), "run", "-d", "--name", PROJECT + "-qemu-ppc64le", "--network",
                PROJECT + "_default",
                "--security-opt", "seccomp=unconfined", "--cap-add", "SYS_ADMIN", "--cap-add", "SYS_CHROOT",
                "-p", "127.0.0.1:" + management + ":9001",
                "-e", "KAFKA_BOOTSTRAP_SERVERS=kafka:9092", "-e", "ARCHIPELAGO_WORKER_ID=qemu-ppc64le",
                "-e", "ARCHIPELAGO_WORKER_PLATFORM=linux/ppc64le", "-e", "ARCHIPELAGO_WORKER_INSECURE_REGISTRIES=registry:5000",
                local).orThrow();
        try {
            assertThat(podman.podman(Duration.ofMinutes(1), "exec", PROJECT + "-qemu-ppc64le", "uname", "-m").orThrow().stdout()
                    .strip())
                    .isEqualTo("ppc64le");
            awaitTrue(Duration.ofMinutes(6), "the ppc64le worker ready",
                    () -> status("http://127.0.0.1:" + management + "/q/health/ready") == 200);
            awaitTrue(Duration.ofMinutes(1), "the ppc64le worker live in the dispatcher",
                    () -> liveWorkers().contains("qemu-ppc64le"));
        } finally {
            Processes.Result logs = podman.podman(Duration.ofMinutes(1), "logs", PROJECT + "-qemu-ppc64le");
            System.out.println(logs.stdout() + logs.stderr());
            podman.podman(Duration.ofMinutes(2), "rm", "--force", "--time", "5", PROJECT + "-qemu-ppc64le");
        }
    }

    @Test
    @Order(4)
    void eachImageArrivesSignedWithItsProvenanceAndAnSbomListingWhatDpkgQueryListsInsideIt() throws Exception {
        for (String service : ServiceImages.SERVICES) {
            String repository = "archipelago/" + service;
            JsonNode index = Skopeo.inspect(images.hostPort() + "/" + repository + ":" + version, "--raw");
            String indexDigest = images
                    .get("/v2/" + repository + "/manifests/" + version, "application/vnd.oci.image.index.v1+json")
                    .headers().firstValue("Docker-Content-Digest").orElseThrow();
            List<String> signed = new ArrayList<>(List.of(indexDigest));
            index.path("manifests").forEach(m -> signed.add(m.path("digest").asText()));
            for (String digest : signed) {
                CosignSignatures.Verdict verdict = CosignSignatures.verify(images, repository, digest, publicKey);
                assertThat(verdict.verified())
                        .as("%s@%s signed with the key given to images.sh: %s", service, digest, verdict.reasons()).isTrue();
            }
            for (JsonNode child : index.path("manifests")) {
                assertThat(referrers(repository, child.path("digest").asText())).as("%s %s", service, child.path("platform"))
                        .containsOnlyKeys("application/vnd.in-toto+json", "application/vnd.cyclonedx+json");
            }
        }
        // the worker's image (Debian, with buildah, git, skopeo and a JRE): its SBOM against dpkg-query run inside it
        String repository = "archipelago/arch-worker";
        JsonNode index = Skopeo.inspect(images.hostPort() + "/" + repository + ":" + version, "--raw");
        try (Buildah buildah = Buildah.isolated()) {
            for (JsonNode child : index.path("manifests")) {
                Platform platform = Platform.parse(child.path("platform").path("os").asText() + "/"
                        + child.path("platform").path("architecture").asText());
                String digest = child.path("digest").asText();
                JsonNode sbom = JSON
                        .readTree(artifact(repository, referrers(repository, digest).get("application/vnd.cyclonedx+json")));
                Set<String> listed = new TreeSet<>();
                sbom.path("components").forEach(c -> listed.add(c.path("name").asText() + " " + c.path("version").asText()));
                Set<String> inside = new TreeSet<>();
                buildah.runIn(images.hostPort() + "/" + repository + "@" + digest, platform, "dpkg-query", "-W", "-f",
                        "${db:Status-Abbrev} ${Package} ${Version}\n").lines()
                        .filter(l -> l.length() > 3 && l.charAt(1) == 'i')
                        .forEach(l -> inside.add(l.substring(3).strip().replaceAll("\\s+", " ")));
                System.out.printf("arch-worker %s: %d packages in the SBOM, %d installed as dpkg-query lists them%n", platform,
                        listed.size(), inside.size());
                assertThat(inside).as("dpkg-query in the %s image", platform).hasSizeGreaterThan(100);
                assertThat(listed).as("the SBOM of the %s image", platform).isEqualTo(inside);
                assertThat(sbom.path("components").get(0).path("purl").asText()).contains("arch=").contains("distro=debian-12");
            }
        }
    }

    /** The artifacts listed under an image's referrers fallback tag, by artifact type. */
    private static Map<String, String> referrers(String repository, String digest) throws IOException {
        HttpResponse<byte[]> response = images.get("/v2/" + repository + "/manifests/" + digest.replace(':', '-'),
                "application/vnd.oci.image.index.v1+json");
        assertThat(response.statusCode()).as("the referrers of %s@%s", repository, digest).isEqualTo(200);
        Map<String, String> byType = new TreeMap<>();
        JSON.readTree(response.body()).path("manifests")
                .forEach(m -> byType.put(m.path("artifactType").asText(), m.path("digest").asText()));
        return byType;
    }

    /** The one layer of an artifact manifest. */
    private static byte[] artifact(String repository, String digest) throws IOException {
        JsonNode manifest = JSON.readTree(images.get("/v2/" + repository + "/manifests/" + digest,
                "application/vnd.oci.image.manifest.v1+json").body());
        return images.get("/v2/" + repository + "/blobs/" + manifest.path("layers").get(0).path("digest").asText(), "*/*")
                .body();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** This machine's platform of each service image, from the registry images.sh pushed to, as compose names them. */
    private static void loadImages() {
        for (String service : ServiceImages.SERVICES) {
            podman.run(Duration.ofMinutes(10), null, List.of("skopeo", "copy", "--src-tls-verify=false",
                    "docker://" + images.hostPort() + "/archipelago/" + service + ":" + version,
                    "containers-storage:localhost/archipelago/" + service + ":" + version)).orThrow();
        }
    }

    private static void writeComposeEnvironment() throws Exception {
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        adminToken = "arch_" + HexFormat.of().formatHex(secret);
        String hash = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(adminToken.getBytes(StandardCharsets.UTF_8)));
        Path tokens = work.resolve("tokens.properties");
        Files.writeString(tokens, "archipelago.dispatcher.auth.tokens.compose-admin.sha256=" + hash + "\n"
                + "archipelago.dispatcher.auth.tokens.compose-admin.role=admin\n");
        composeEnvironment.put("POSTGRES_PASSWORD", HexFormat.of().formatHex(secret, 0, 12));
        composeEnvironment.put("ARCHIPELAGO_API_TOKENS", tokens.toString());
        composeEnvironment.put("ARCHIPELAGO_VERSION", version);
        composeEnvironment.put("ARCHIPELAGO_DISPATCHER_PORT", String.valueOf(FreePorts.next()));
        composeEnvironment.put("ARCHIPELAGO_MANAGEMENT_PORT", String.valueOf(FreePorts.next()));
        composeEnvironment.put("ARCHIPELAGO_REGISTRY_PORT", String.valueOf(FreePorts.next()));
    }

    private static Processes.Result compose(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("podman-compose", "-p", PROJECT, "-f",
                root.resolve("docker-compose.yml").toString(),
                "-f", root.resolve("local-stack/src/test/resources/compose-stand-ins/compose.stand-ins.yml").toString()));
        command.addAll(List.of(args));
        Map<String, String> environment = new LinkedHashMap<>(podman.environment());
        environment.putAll(composeEnvironment);
        return Processes.run(timeout, root, environment, podman.inNamespace(command.toArray(String[]::new)));
    }

    private static String container(String service) {
        return PROJECT + "_" + service + "_1";
    }

    private static Set<String> liveWorkers() {
        Set<String> live = new HashSet<>();
        HttpResponse<String> response = get(
                "http://127.0.0.1:" + composeEnvironment.get("ARCHIPELAGO_DISPATCHER_PORT") + "/api/workers",
                adminToken);
        if (response.statusCode() == 200) {
            try {
                JSON.readTree(response.body()).forEach(w -> {
                    if (w.path("live").asBoolean()) {
                        live.add(w.path("workerId").asText());
                    }
                });
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return live;
    }

    private static int status(String url) {
        try {
            return get(url, null).statusCode();
        } catch (IllegalStateException notYet) {
            return -1;
        }
    }

    private static HttpResponse<String> get(String url, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(url + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path blobPath(String digest) {
        String hex = digest.substring("sha256:".length());
        return images.storage().resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex)
                .resolve("data");
    }

    private static void awaitTrue(Duration bound, String what, BooleanSupplier condition) {
        Awaitility.await(what).atMost(bound).pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                .until(condition::getAsBoolean);
    }

    /**
     * Reads an image layer (a tar, gzip-compressed or not) as a person with {@code tar tvf} and
     * {@code file} would, independently of the worker's own check: which ELF machines its regular
     * files are built for.
     */
    private static final class ImageLayers {

        private ImageLayers() {
        }

        /** ELF files per e_machine value (62 x86-64, 21 PowerPC64, 22 s390, 183 AArch64) in one layer. */
        static Map<Integer, Integer> elfMachines(InputStream layer) throws IOException {
            InputStream in = layer.markSupported() ? layer : new BufferedInputStream(layer);
            in.mark(2);
            int first = in.read();
            int second = in.read();
            in.reset();
            DataInputStream tar = new DataInputStream(first == 0x1f && second == 0x8b ? new GZIPInputStream(in, 1 << 16) : in);
            Map<Integer, Integer> machines = new TreeMap<>();
            byte[] header = new byte[512];
            while (true) {
                try {
                    tar.readFully(header);
                } catch (EOFException end) {
                    return machines;
                }
                if (header[0] == 0) {
                    return machines; // the two zero blocks that end an archive
                }
                long size = Long.parseLong(field(header, 124, 12).isEmpty() ? "0" : field(header, 124, 12), 8);
                char type = (char) header[156];
                long padded = (size + 511) / 512 * 512;
                long read = 0;
                if ((type == '0' || type == '\0') && size >= 20) {
                    byte[] head = new byte[20];
                    tar.readFully(head);
                    read = head.length;
                    if (head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') {
                        boolean little = head[5] == 1;
                        int machine = little ? (head[18] & 0xff) | (head[19] & 0xff) << 8
                                : (head[18] & 0xff) << 8 | (head[19] & 0xff);
                        machines.merge(machine, 1, Integer::sum);
                    }
                }
                tar.skipNBytes(padded - read);
            }
        }

        private static String field(byte[] header, int offset, int length) {
            int end = offset;
            while (end < offset + length && header[end] != 0 && header[end] != ' ') {
                end++;
            }
            return new String(header, offset, end - offset, StandardCharsets.US_ASCII).strip();
        }
    }
}
