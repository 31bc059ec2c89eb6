package dev.archipelago.assembler;

import static dev.archipelago.assembler.AssemblerFixture.newBuildId;
import static dev.archipelago.assembler.AssemblerFixture.outcome;
import static dev.archipelago.assembler.AssemblerFixture.publish;
import static dev.archipelago.assembler.AssemblerFixture.uniqueTag;
import static dev.archipelago.model.Platform.LINUX_AMD64;
import static dev.archipelago.model.Platform.LINUX_PPC64LE;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.infra.Buildah;
import dev.archipelago.infra.LocalRegistry;
import dev.archipelago.infra.Processes;
import dev.archipelago.infra.Tools;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.events.ImageTarget;
import dev.archipelago.model.events.PinnedSource;
import dev.archipelago.model.events.Schema;
import dev.archipelago.model.events.SupplyChain;
import dev.archipelago.testsupport.CosignSignatures;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.LocalRegistryResource;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Provenance, SBOMs and signatures beside real buildah images of both platforms, in a real
 * registry without the referrers API: found through the referrers tag schema, signatures checked
 * with OpenSSL as a sigstoreSigned policy would (Debian's skopeo has sigstore verification
 * disabled), SBOMs compared with what dpkg-query reads.
 */
@QuarkusTest
@TestProfile(SupplyChainTest.WithSigningKey.class)
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(value = LocalRegistryResource.class, initArgs = @ResourceArg(name = "property", value = "archipelago.assembler.insecure-registries"))
class SupplyChainTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COMMIT = "9c1e2a9d8e7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d";
    private static final String GIT_PASSWORD = "glpat-supplychain-marker";
    private static final String REPOSITORY = "supplychain/app";
    /** An SBOM reads layers up to this size; the too-big image's layer is over it. */
    private static final long MAX_LAYER = 3 * 1024 * 1024;
    private static final Path KEYS = temporaryFolder();
    private static final KeyPair KEY = keyPair();
    private static final KeyPair OTHER_KEY = keyPair();

    @InjectKafkaClient
    KafkaTestClient kafka;
    private static Buildah buildah;
    /** Image digests by name and platform. */
    private static final Map<String, String> images = new HashMap<>();
    private static final Map<String, String> baseDigests = new HashMap<>();

    public static class WithSigningKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("archipelago.assembler.signing-key-file",
                    write("cosign.key", pem("PRIVATE KEY", KEY.getPrivate().getEncoded())).toString(),
                    "archipelago.assembler.sbom-max-layer-bytes", String.valueOf(MAX_LAYER));
        }
    }

    @BeforeAll
    static void setUp() throws IOException {
        buildah = Buildah.isolated();
        Path status = Path.of("/var/lib/dpkg/status");
        String corrupt = Files.readString(status).replaceFirst("(?m)^Package: ", "Pakage: ")
                + "\n\u0000\u0001garbage without a field\n\nPackage: half-written\n";
        for (Platform platform : List.of(LINUX_AMD64, LINUX_PPC64LE)) {
            String name = platform.tagSafeName();
            // a Debian-like base: busybox and the machine's real dpkg database, pushed, then built on
            Path base = context(platform, Map.of("var/lib/dpkg/status", Files.readString(status),
                    "etc/os-release", Files.readString(Path.of("/etc/os-release"))));
            buildah.run("build", "--isolation", "chroot", "--platform", platform.ociName(), "-t", "localhost/sc-base:" + name,
                    base.toString());
            baseDigests.put(name,
                    buildah.push("localhost/sc-base:" + name, repository("supplychain/base") + ":" + name, "oci"));
            Path app = Files.createTempDirectory("supplychain-app");
            Files.writeString(app.resolve("hello.txt"), "hello " + name + "\n");
            Files.writeString(app.resolve("Dockerfile"),
                    "FROM " + repository("supplychain/base") + ":" + name + "\nCOPY hello.txt /hello.txt\n");
            buildah.run("build", "--isolation", "chroot", "--tls-verify=false", "--platform", platform.ociName(), "-t",
                    "localhost/sc-app:" + name, app.toString());
            images.put("app-" + name, buildah.push("localhost/sc-app:" + name, repository(REPOSITORY) + ":app-" + name, "oci"));
            // a corrupt package database: one entry with a misspelt field, bytes that are no field, a paragraph cut short
            Path broken = context(platform, Map.of("var/lib/dpkg/status", corrupt));
            buildah.run("build", "--isolation", "chroot", "--platform", platform.ociName(), "-t", "localhost/sc-broken:" + name,
                    broken.toString());
            images.put("broken-" + name,
                    buildah.push("localhost/sc-broken:" + name, repository(REPOSITORY) + ":broken-" + name, "oci"));
            // a layer over the SBOM's limit (random bytes do not compress)
            byte[] noise = new byte[(int) MAX_LAYER + 512 * 1024];
            new SecureRandom().nextBytes(noise);
            Path big = context(platform, Map.of());
            Files.write(big.resolve("noise.bin"), noise);
            Files.writeString(big.resolve("Dockerfile"),
                    Files.readString(big.resolve("Dockerfile")) + "COPY noise.bin /noise.bin\n");
            buildah.run("build", "--isolation", "chroot", "--platform", platform.ociName(), "-t", "localhost/sc-big:" + name,
                    big.toString());
            images.put("big-" + name, buildah.push("localhost/sc-big:" + name, repository(REPOSITORY) + ":big-" + name, "oci"));
        }
    }

    @AfterAll
    static void tearDown() {
        buildah.close();
    }

    @Test
    void attachesProvenanceSbomsAndSignaturesBesideTheImagesNeverInsideTheIndex() throws Exception {
        String tag = uniqueTag("signed");
        BuildOutcome outcome = build("app", tag, null);

        assertThat(outcome.type()).as(String.valueOf(outcome.error())).isEqualTo(BuildOutcome.Type.INDEX_PUSHED);
        BuildOutcome.Index index = outcome.index();
        assertThat(index.warnings()).isEmpty();
        assertThat(index.attestations())
                .extracting(a -> a.kind() + " " + (a.platform() == null ? "index" : a.platform().ociName()))
                .containsExactlyInAnyOrder("PROVENANCE linux/amd64", "SBOM linux/amd64", "SIGNATURE linux/amd64",
                        "PROVENANCE linux/ppc64le", "SBOM linux/ppc64le", "SIGNATURE linux/ppc64le", "PROVENANCE index",
                        "SIGNATURE index");

        // the pulled index lists exactly the built platforms: nothing attached inside it
        JsonNode pulled = manifest(tag);
        assertThat(pulled.path("manifests")).hasSize(2);
        List<String> platforms = new ArrayList<>();
        pulled.path("manifests").forEach(m -> platforms
                .add(m.path("platform").path("os").asText() + "/" + m.path("platform").path("architecture").asText()));
        assertThat(platforms).containsExactly("linux/amd64", "linux/ppc64le").doesNotContain("unknown/unknown");
        pulled.path("manifests").forEach(m -> assertThat(m.has("artifactType")).isFalse());

        for (Platform platform : List.of(LINUX_AMD64, LINUX_PPC64LE)) {
            String child = images.get("app-" + platform.tagSafeName());
            // the registry has no referrers API: the artifacts are listed under the fallback tag
            assertThat(registry().get("/v2/" + REPOSITORY + "/referrers/" + child, MediaTypes.OCI_INDEX).statusCode())
                    .isEqualTo(404);
            JsonNode referrers = manifest(child.replace(':', '-'));
            assertThat(referrers.path("mediaType").asText()).isEqualTo(MediaTypes.OCI_INDEX);
            Map<String, String> byType = new HashMap<>();
            referrers.path("manifests").forEach(m -> byType.put(m.path("artifactType").asText(), m.path("digest").asText()));
            assertThat(byType).containsOnlyKeys("application/vnd.in-toto+json", "application/vnd.cyclonedx+json");

            JsonNode provenanceManifest = manifest(byType.get("application/vnd.in-toto+json"));
            assertThat(provenanceManifest.path("subject").path("digest").asText()).isEqualTo(child);
            String statementText = blobText(provenanceManifest.path("layers").get(0).path("digest").asText());
            JsonNode statement = JSON.readTree(statementText);
            assertThat(statement.path("_type").asText()).isEqualTo("https://in-toto.io/Statement/v1");
            assertThat(statement.path("predicateType").asText()).isEqualTo("https://slsa.dev/provenance/v1");
            assertThat(statement.path("subject").get(0).path("digest").path("sha256").asText()).isEqualTo(child.substring(7));
            JsonNode predicate = statement.path("predicate");
            assertThat(predicate.path("buildDefinition").path("buildType").asText())
                    .isEqualTo("urn:archipelago:build-type:multiarch-image:v1");
            assertThat(predicate.path("runDetails").path("builder").path("id").asText())
                    .isEqualTo("urn:archipelago:worker:worker-" + platform.tagSafeName() + ":" + platform.ociName());
            JsonNode internal = predicate.path("buildDefinition").path("internalParameters");
            assertThat(internal.path("platform").asText()).isEqualTo(platform.ociName());
            assertThat(internal.path("storageDriver").asText()).isEqualTo("overlay");
            assertThat(internal.path("emulated").asBoolean()).isEqualTo(platform.equals(LINUX_PPC64LE));
            List<String> dependencies = new ArrayList<>();
            predicate.path("buildDefinition").path("resolvedDependencies")
                    .forEach(d -> dependencies.add(d.path("uri").asText() + " "
                            + d.path("digest").toString()));
            assertThat(dependencies).contains("git+https://***@gitlab.com/org/app.git@main {\"gitCommit\":\"" + COMMIT + "\"}",
                    "oci://" + repository("supplychain/base") + ":" + platform.tagSafeName() + " {\"sha256\":\""
                            + baseDigests.get(platform.tagSafeName()).substring(7) + "\"}");
            assertThat(statementText).doesNotContain(GIT_PASSWORD);

            // the SBOM lists what dpkg-query reads from the same database
            JsonNode sbomManifest = manifest(byType.get("application/vnd.cyclonedx+json"));
            JsonNode sbom = JSON.readTree(blobText(sbomManifest.path("layers").get(0).path("digest").asText()));
            assertThat(sbom.path("bomFormat").asText()).isEqualTo("CycloneDX");
            assertThat(sbom.path("specVersion").asText()).isEqualTo("1.6");
            Set<String> listed = new TreeSet<>();
            sbom.path("components").forEach(c -> listed.add(c.path("name").asText() + " " + c.path("version").asText()));
            assertThat(listed).isEqualTo(dpkgQuery(Path.of("/var/lib/dpkg")));
            assertThat(sbom.path("components").get(0).path("purl").asText()).startsWith("pkg:deb/debian/")
                    .contains("distro=debian-12");
        }

        // the same images built again: no second signature by the same key
        BuildOutcome again = build("app", uniqueTag("again"), null);
        assertThat(again.type()).isEqualTo(BuildOutcome.Type.INDEX_PUSHED);
        for (Platform platform : List.of(LINUX_AMD64, LINUX_PPC64LE)) {
            JsonNode signatures = manifest(images.get("app-" + platform.tagSafeName()).replace(':', '-') + ".sig");
            assertThat(signatures.path("layers")).as("signatures of the %s image", platform).hasSize(1);
        }

        // each signature verifies with the public key (OpenSSL), the index's and every child's...
        Path publicKey = write("cosign.pub", pem("PUBLIC KEY", KEY.getPublic().getEncoded()));
        List<String> signed = new ArrayList<>(List.of(index.digest()));
        List.of(LINUX_AMD64, LINUX_PPC64LE).forEach(p -> signed.add(images.get("app-" + p.tagSafeName())));
        for (String digest : signed) {
            CosignSignatures.Verdict verdict = CosignSignatures.verify(registry(), REPOSITORY, digest, publicKey);
            assertThat(verdict.verified()).as("the signature of %s: %s", digest, verdict.reasons()).isTrue();
        }
        // ...and an image nobody signed, a signature by another key, a signature moved to another image do not
        assertThat(
                CosignSignatures.verify(registry(), "supplychain/base", baseDigests.get(LINUX_AMD64.tagSafeName()), publicKey)
                        .reasons())
                .containsExactly("no signature tag (404)");
        Path otherKey = write("other.pub", pem("PUBLIC KEY", OTHER_KEY.getPublic().getEncoded()));
        assertThat(CosignSignatures.verify(registry(), REPOSITORY, index.digest(), otherKey).reasons())
                .singleElement().asString().contains("Verification failure");
        String child = images.get("app-" + LINUX_AMD64.tagSafeName());
        String other = images.get("broken-" + LINUX_AMD64.tagSafeName());
        var moved = registry().get("/v2/" + REPOSITORY + "/manifests/" + child.replace(':', '-') + ".sig",
                MediaTypes.OCI_MANIFEST);
        HttpResponse<String> put = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(registry().baseUri().resolve("/v2/" + REPOSITORY
                        + "/manifests/" + other.replace(':', '-') + ".sig")).header("Content-Type", MediaTypes.OCI_MANIFEST)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(moved.body())).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(CosignSignatures.verify(registry(), REPOSITORY, other, publicKey).reasons())
                .singleElement().asString().contains("not " + repository(REPOSITORY) + "@" + other);
    }

    @Test
    void aCorruptPackageDatabaseGivesAnSbomOfWhatCouldBeReadAndAWarning() throws Exception {
        BuildOutcome outcome = build("broken", uniqueTag("broken"), null);

        assertThat(outcome.type()).as(String.valueOf(outcome.error())).isEqualTo(BuildOutcome.Type.INDEX_PUSHED);
        assertThat(outcome.index().warnings())
                .anySatisfy(w -> assertThat(w).startsWith("linux/amd64 SBOM: /var/lib/dpkg/status:")
                        .contains("could not be read"));
        JsonNode sbom = sbomOf(images.get("broken-" + LINUX_AMD64.tagSafeName()));
        Set<String> listed = new TreeSet<>();
        sbom.path("components").forEach(c -> listed.add(c.path("name").asText()));
        Set<String> expected = new TreeSet<>();
        dpkgQuery(Path.of("/var/lib/dpkg")).forEach(p -> expected.add(p.substring(0, p.indexOf(' '))));
        assertThat(listed).hasSize(expected.size() - 1).isSubsetOf(expected);
        assertThat(sbom.path("metadata").path("properties").toString()).contains("could not be read");
    }

    @Test
    void anSbomThatCannotBeMadeFailsTheBuildWithItsCodeUnlessTheRequestSaidBestEffort() throws Exception {
        String failedTag = uniqueTag("big");
        BuildOutcome failed = build("big", failedTag, null);
        assertThat(failed.type()).isEqualTo(BuildOutcome.Type.FAILED);
        assertThat(failed.error().code()).isEqualTo(BuildErrorCode.SBOM_FAILED);
        assertThat(failed.error().message()).contains("over the limit of " + MAX_LAYER);
        assertThat(registry().get("/v2/" + REPOSITORY + "/manifests/" + failedTag, MediaTypes.OCI_INDEX).statusCode())
                .as("a build whose attachments failed is never tagged").isEqualTo(404);

        BuildOutcome bestEffort = build("big", uniqueTag("big-best-effort"), new SupplyChain(null, null, null, true));
        assertThat(bestEffort.type()).isEqualTo(BuildOutcome.Type.INDEX_PUSHED);
        assertThat(bestEffort.index().warnings()).anySatisfy(w -> assertThat(w).contains("SBOM").contains("best effort"));
        assertThat(bestEffort.index().attestations()).extracting(BuildOutcome.Attestation::kind)
                .contains(BuildOutcome.Attestation.Kind.PROVENANCE, BuildOutcome.Attestation.Kind.SIGNATURE)
                .doesNotContain(BuildOutcome.Attestation.Kind.SBOM);
    }

    @Test
    void eachAttachmentCanBeTurnedOffByTheRequest() {
        BuildOutcome bare = build("app", uniqueTag("bare"), new SupplyChain(false, false, false, false));

        assertThat(bare.type()).isEqualTo(BuildOutcome.Type.INDEX_PUSHED);
        assertThat(bare.index().attestations()).isEmpty();
        assertThat(registry().get("/v2/" + REPOSITORY + "/manifests/" + bare.index().digest().replace(':', '-') + ".sig",
                MediaTypes.OCI_MANIFEST).statusCode()).as("no signature of the index").isEqualTo(404);
        assertThat(registry().get("/v2/" + REPOSITORY + "/manifests/" + bare.index().digest().replace(':', '-'),
                MediaTypes.OCI_INDEX).statusCode()).as("no referrers of the index").isEqualTo(404);
    }

    // --- helpers ------------------------------------------------------------------------------

    /** Plays both workers for one build of the named image pair; returns the assembler's outcome. */
    private BuildOutcome build(String image, String tag, SupplyChain supplyChain) {
        String id = newBuildId();
        for (Platform platform : List.of(LINUX_PPC64LE, LINUX_AMD64)) {
            ArchBuildRequest request = new ArchBuildRequest(Schema.CURRENT, id, 1, platform,
                    List.of(LINUX_AMD64, LINUX_PPC64LE),
                    PinnedSource.ofCommit("https://ci-bot:" + GIT_PASSWORD + "@gitlab.com/org/app.git", "main", COMMIT, ".",
                            "Dockerfile"),
                    new ImageTarget(repository(REPOSITORY), tag, image + "-" + platform.tagSafeName(), List.of(tag),
                            supplyChain),
                    null, null, 1800, false, AssemblerFixture.REQUESTED, false);
            publish(kafka, ArchBuildEvent.started(request, "worker-" + platform.tagSafeName(), platform.equals(LINUX_PPC64LE),
                    Instant.now().minusSeconds(5)));
            publish(kafka, ArchBuildEvent.succeeded(request, "worker-" + platform.tagSafeName(), platform.equals(LINUX_PPC64LE),
                    new ArchBuildEvent.Builder("buildah", "overlay", "chroot", true, "oci"),
                    new ArchBuildEvent.Artifact(images.get(image + "-" + platform.tagSafeName()), MediaTypes.OCI_MANIFEST, 0),
                    new ArchBuildEvent.Durations(1, 2, 3, 4), 1, Instant.now()));
        }
        return outcome(kafka, id, 1);
    }

    private static JsonNode sbomOf(String child) throws IOException {
        JsonNode referrers = manifest(child.replace(':', '-'));
        for (JsonNode entry : referrers.path("manifests")) {
            if (entry.path("artifactType").asText().equals("application/vnd.cyclonedx+json")) {
                return JSON.readTree(
                        blobText(manifest(entry.path("digest").asText()).path("layers").get(0).path("digest").asText()));
            }
        }
        throw new AssertionError("no SBOM among the referrers of " + child + ": " + referrers);
    }

    /** What dpkg-query lists as installed from a dpkg database: "name version". */
    private static Set<String> dpkgQuery(Path admindir) {
        String out = Processes
                .run(Duration.ofSeconds(60), Tools.require("dpkg-query", "dpkg").toString(), "--admindir=" + admindir, "-W",
                        "-f", "${db:Status-Abbrev} ${Package} ${Version}\\n")
                .orThrow().stdout();
        Set<String> installed = new TreeSet<>();
        // the second letter of the abbreviated status is the state: i, installed (held or not)
        out.lines().filter(l -> l.length() > 3 && l.charAt(1) == 'i')
                .forEach(l -> installed.add(l.substring(3).strip().replaceAll("\\s+", " ")));
        return installed;
    }

    private static Path context(Platform platform, Map<String, String> files) throws IOException {
        Path context = Files.createTempDirectory("supplychain-image");
        Files.copy(Tools.busybox(platform), context.resolve("busybox"));
        StringBuilder dockerfile = new StringBuilder("FROM scratch\nCOPY busybox /bin/busybox\n");
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path path = context.resolve("files").resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
            dockerfile.append("COPY files/").append(file.getKey()).append(" /").append(file.getKey()).append('\n');
        }
        Files.writeString(context.resolve("Dockerfile"), dockerfile.toString());
        return context;
    }

    private static JsonNode manifest(String reference) throws IOException {
        var response = registry().get("/v2/" + REPOSITORY + "/manifests/" + reference,
                MediaTypes.OCI_INDEX + "," + MediaTypes.OCI_MANIFEST);
        assertThat(response.statusCode()).as("manifest %s", reference).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String blobText(String digest) {
        var response = registry().get("/v2/" + REPOSITORY + "/blobs/" + digest, "*/*");
        assertThat(response.statusCode()).as("blob %s", digest).isEqualTo(200);
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private static LocalRegistry registry() {
        return LocalRegistryResource.registry();
    }

    private static String repository(String path) {
        return registry().hostPort() + "/" + path;
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static Path write(String name, String text) {
        try {
            Path file = KEYS.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path temporaryFolder() {
        try {
            return Files.createTempDirectory("supplychain-keys");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
