package dev.archipelago.assembler;

import static dev.archipelago.assembler.AssemblerFixture.*;
import static dev.archipelago.model.Platform.LINUX_AMD64;
import static dev.archipelago.model.Platform.LINUX_PPC64LE;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.infra.EmbeddedKafkaBroker;
import dev.archipelago.infra.Skopeo;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.events.Schema;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.testsupport.ContainerKafkaBroker;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.LocalRegistryResource;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The assembler against the real broker, the real PostgreSQL and a real registry holding images
 * built by buildah. The module runs it twice: on the in-JVM broker, and (execution
 * kafka-on-testcontainers) on Testcontainers' KafkaContainer.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(value = LocalRegistryResource.class, initArgs = @ResourceArg(name = "property", value = "archipelago.assembler.insecure-registries"))
class AssemblerTest {

    /** The management interface's root, {@code http://localhost:<port>/q/}. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @InjectKafkaClient
    KafkaTestClient kafka;

    @Inject
    EntityManager entityManager;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void runsOnTheBrokerAskedFor() {
        var broker = KafkaBrokerResource.broker();
        assertThat(bootstrapServers).isEqualTo(broker.bootstrapServers());
        switch (System.getProperty("archipelago.test.kafka", "auto")) {
            case "container" -> {
                assertThat(broker).isInstanceOf(ContainerKafkaBroker.class);
                var container = DockerClientFactory.instance().client()
                        .inspectContainerCmd(((ContainerKafkaBroker) broker).containerId()).exec();
                assertThat(container.getConfig().getImage()).endsWith("apache/kafka:4.1.2");
                assertThat(container.getState().getRunning()).isTrue();
                assertThat(bootstrapServers).matches("127\\.0\\.0\\.1:\\d+");
            }
            case "embedded" -> assertThat(broker).isInstanceOf(EmbeddedKafkaBroker.class);
            default -> assertThat(broker).isInstanceOfAny(ContainerKafkaBroker.class, EmbeddedKafkaBroker.class);
        }
    }

    @Test
    void pushesAnOciIndexUnderEveryTagWithTheChildrensExactDigests() throws Exception {
        String id = newBuildId();
        List<String> tags = List.of(uniqueTag("multiarch"), uniqueTag("latest"));
        publish(kafka, succeeded(request(LINUX_PPC64LE, id, tags), "oci"));
        publish(kafka, succeeded(request(LINUX_AMD64, id, tags), "oci"));

        BuildOutcome outcome = outcome(kafka, id, 1);

        assertThat(outcome.type()).isEqualTo(BuildOutcome.Type.INDEX_PUSHED);
        assertThat(outcome.index().mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
        assertThat(outcome.index().tags()).containsExactlyElementsOf(tags);
        for (String tag : tags) {
            JsonNode index = inspectRaw(tag);
            assertThat(index.path("mediaType").asText()).isEqualTo(MediaTypes.OCI_INDEX);
            assertThat(index.path("manifests")).hasSize(2);
            JsonNode amd64 = index.path("manifests").get(0);
            JsonNode ppc64le = index.path("manifests").get(1);
            assertThat(amd64.path("platform").path("architecture").asText()).isEqualTo("amd64");
            assertThat(amd64.path("digest").asText()).isEqualTo(TestImages.digest(LINUX_AMD64, "oci"));
            assertThat(amd64.has("annotations")).isFalse();
            assertThat(ppc64le.path("platform").path("architecture").asText()).isEqualTo("ppc64le");
            assertThat(ppc64le.path("platform").path("os").asText()).isEqualTo("linux");
            assertThat(ppc64le.path("digest").asText()).isEqualTo(TestImages.digest(LINUX_PPC64LE, "oci"));
            assertThat(ppc64le.path("annotations").path("dev.archipelago.emulated").asText()).isEqualTo("true");
            assertThat(index.path("annotations").path("dev.archipelago.build-id").asText()).isEqualTo(id);
            assertThat(index.path("annotations").path("org.opencontainers.image.revision").asText()).isEqualTo(COMMIT);
            assertThat(index.path("annotations").path("org.opencontainers.image.source").asText())
                    .isEqualTo("https://gitlab.com/org/app.git");
            assertThat(index.path("annotations").path("org.opencontainers.image.created").asText())
                    .isEqualTo(REQUESTED.toString());
        }
        assertThat(TestImages.registry().get("/v2/" + TestImages.REPOSITORY + "/manifests/" + tags.get(0), MediaTypes.OCI_INDEX)
                .headers().firstValue("Docker-Content-Digest")).hasValue(outcome.index().digest());
    }

    @Test
    void dockerChildrenGiveADockerManifestList() throws Exception {
        String id = newBuildId();
        String tag = uniqueTag("docker");
        publish(kafka, succeeded(request(LINUX_AMD64, id, List.of(tag)), "docker"));
        publish(kafka, succeeded(request(LINUX_PPC64LE, id, List.of(tag)), "docker"));

        BuildOutcome outcome = outcome(kafka, id, 1);

        assertThat(outcome.index().mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
        JsonNode list = inspectRaw(tag);
        assertThat(list.path("mediaType").asText()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
        assertThat(list.path("manifests").get(0).path("mediaType").asText()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(list.path("manifests").get(1).path("digest").asText()).isEqualTo(TestImages.digest(LINUX_PPC64LE, "docker"));
    }

    @Test
    void mixedChildFormatsAreRefused() {
        String id = newBuildId();
        String tag = uniqueTag("mixed");
        publish(kafka, succeeded(request(LINUX_AMD64, id, List.of(tag)), "docker"));
        publish(kafka, succeeded(request(LINUX_PPC64LE, id, List.of(tag)), "oci"));

        BuildOutcome outcome = outcome(kafka, id, 1);

        assertThat(outcome.error().code()).isEqualTo(BuildErrorCode.MIXED_MANIFEST_FORMATS);
        assertThat(tagExists(tag)).isFalse();
    }

    @Test
    void theSameResultsTwiceMakeOnePushAndTheSameDigest() {
        String id = newBuildId();
        String tag = uniqueTag("twice");
        ArchBuildRequest amd64 = request(LINUX_AMD64, id, List.of(tag));
        ArchBuildRequest ppc64le = request(LINUX_PPC64LE, id, List.of(tag));
        publish(kafka, succeeded(amd64, "oci"));
        publish(kafka, succeeded(ppc64le, "oci"));
        BuildOutcome first = outcome(kafka, id, 1);

        publish(kafka, succeeded(amd64, "oci"));
        publish(kafka, succeeded(ppc64le, "oci"));
        // a later build's outcome proves the duplicates were consumed
        String marker = newBuildId();
        publish(kafka, succeeded(request(LINUX_AMD64, marker, List.of(uniqueTag("marker"))), "oci"));
        publish(kafka, succeeded(request(LINUX_PPC64LE, marker, List.of(uniqueTag("marker"))), "oci"));
        outcome(kafka, marker, 1);

        assertThat(kafka.readAll(Topics.OUTCOMES, id)).hasSize(1);
        assertThat(indexPuts(tag)).isEqualTo(1);
        assertThat(first.index().digest())
                .isEqualTo(TestImages.registry().get("/v2/" + TestImages.REPOSITORY + "/manifests/" + tag,
                        MediaTypes.OCI_INDEX).headers().firstValue("Docker-Content-Digest").orElseThrow());
    }

    @Test
    void theJoinStateIsStoredBeforeTheResultIsAcknowledged() {
        String id = newBuildId();
        publish(kafka, succeeded(request(LINUX_AMD64, id, List.of(uniqueTag("durable"))), "oci"));

        await().atMost(Duration.ofSeconds(20))
                .until(() -> "COLLECTING".equals(QuarkusTransaction.requiringNew()
                        .call(() -> entityManager.createNativeQuery("SELECT state FROM assemblies WHERE build_id = :id")
                                .setParameter("id", id)
                                .getResultStream().findFirst().orElse(null))));
        Object platform = QuarkusTransaction.requiringNew().call(() -> entityManager.createNativeQuery(
                "SELECT platform FROM assembly_results WHERE build_id = :id AND state = 'SUCCEEDED'").setParameter("id", id)
                .getSingleResult());
        assertThat(platform).isEqualTo("linux/amd64");
    }

    @Test
    void aMislabelledChildFailsTheBuildAndNothingIsPushed() {
        String id = newBuildId();
        String tag = uniqueTag("mislabelled");
        publish(kafka, succeeded(request(LINUX_AMD64, id, List.of(tag)), "oci"));
        publish(kafka, succeeded(request(LINUX_PPC64LE, id, List.of(tag)), TestImages.digest(LINUX_AMD64, "oci"),
                MediaTypes.OCI_MANIFEST));

        BuildOutcome outcome = outcome(kafka, id, 1);

        assertThat(outcome.type()).isEqualTo(BuildOutcome.Type.FAILED);
        assertThat(outcome.error().code()).isEqualTo(BuildErrorCode.CHILD_PLATFORM_MISMATCH);
        assertThat(outcome.error().message()).contains("linux/ppc64le").contains("says linux/amd64")
                .contains(TestImages.digest(LINUX_AMD64, "oci"));
        assertThat(outcome.failedPlatforms()).singleElement().satisfies(f -> assertThat(f.platform()).isEqualTo(LINUX_PPC64LE));
        assertThat(tagExists(tag)).isFalse();
    }

    @Test
    void aDigestThatIsNotInTheRegistryFailsNamingIt() {
        String id = newBuildId();
        String missing = "sha256:" + "ee".repeat(32);
        String tag = uniqueTag("missing");
        publish(kafka, succeeded(request(LINUX_AMD64, id, List.of(tag)), missing, MediaTypes.OCI_MANIFEST));
        publish(kafka, succeeded(request(LINUX_PPC64LE, id, List.of(tag)), "oci"));

        BuildOutcome outcome = outcome(kafka, id, 1);

        assertThat(outcome.error().code()).isEqualTo(BuildErrorCode.CHILD_NOT_FOUND);
        assertThat(outcome.error().message()).contains("linux/amd64").contains(missing);
        assertThat(tagExists(tag)).isFalse();
    }

    @Test
    void aFailedPlatformFailsTheBuildThenARetrysSuccessPushesTheIndex() {
        String id = newBuildId();
        String tag = uniqueTag("retry");
        publish(kafka, succeeded(request(LINUX_AMD64, id, List.of(tag)), "oci"));
        publish(kafka, failed(request(LINUX_PPC64LE, id, List.of(tag))));

        BuildOutcome failed = outcome(kafka, id, 1);
        assertThat(failed.type()).isEqualTo(BuildOutcome.Type.FAILED);
        assertThat(failed.error().code()).isEqualTo(BuildErrorCode.PLATFORMS_FAILED);
        assertThat(failed.failedPlatforms()).singleElement().satisfies(f -> {
            assertThat(f.platform()).isEqualTo(LINUX_PPC64LE);
            assertThat(f.code()).isEqualTo(BuildErrorCode.BUILD_FAILED);
        });
        assertThat(tagExists(tag)).isFalse();

        publish(kafka, succeeded(request(LINUX_PPC64LE, id, 2, false, List.of(tag), 1800, Instant.now()), "oci"));

        BuildOutcome pushed = outcome(kafka, id, 2);
        assertThat(pushed.type()).isEqualTo(BuildOutcome.Type.INDEX_PUSHED);
        assertThat(pushed.attempt()).isEqualTo(2);
        assertThat(pushed.index().children()).hasSize(2);
        assertThat(tagExists(tag)).isTrue();
    }

    @Test
    void aPartialIndexHoldsTheSucceededPlatformsWhenTheRequestAllowsIt() throws Exception {
        String id = newBuildId();
        String tag = uniqueTag("partial");
        publish(kafka, succeeded(request(LINUX_AMD64, id, 1, true, List.of(tag), 1800, REQUESTED), "oci"));
        publish(kafka, failed(request(LINUX_PPC64LE, id, 1, true, List.of(tag), 1800, REQUESTED)));

        BuildOutcome outcome = outcome(kafka, id, 1);

        assertThat(outcome.type()).isEqualTo(BuildOutcome.Type.INDEX_PUSHED);
        assertThat(outcome.missingPlatforms()).containsExactly(LINUX_PPC64LE);
        assertThat(inspectRaw(tag).path("manifests")).hasSize(1);
    }

    @Test
    void aPlatformThatNeverReportsTimesOutNamingIt() {
        String id = newBuildId();
        String tag = uniqueTag("timeout");
        publish(kafka, succeeded(request(LINUX_AMD64, id, 1, false, List.of(tag), 1, Instant.now()), "oci"));

        BuildOutcome outcome = outcome(kafka, id, 1);

        assertThat(outcome.error().code()).isEqualTo(BuildErrorCode.TIMEOUT);
        assertThat(outcome.error().message()).contains("linux/ppc64le").doesNotContain("linux/amd64");
        assertThat(outcome.failedPlatforms()).singleElement().satisfies(f -> assertThat(f.platform()).isEqualTo(LINUX_PPC64LE));
        assertThat(tagExists(tag)).isFalse();
    }

    @Test
    void aResultForAPlatformTheBuildDidNotAskForFailsIt() {
        String id = newBuildId();
        String tag = uniqueTag("stranger");
        ArchBuildRequest amd64 = request(LINUX_AMD64, id, List.of(tag));
        publish(kafka, succeeded(amd64, "oci"));
        ArchBuildRequest s390x = new ArchBuildRequest(Schema.CURRENT, id, 1, Platform.LINUX_S390X,
                List.of(Platform.LINUX_S390X), amd64.source(), amd64.image(), null, null, 1800, false,
                REQUESTED, false);
        publish(kafka, succeeded(s390x, "sha256:" + "aa".repeat(32), MediaTypes.OCI_MANIFEST));

        BuildOutcome outcome = outcome(kafka, id, 1);

        assertThat(outcome.type()).isEqualTo(BuildOutcome.Type.FAILED);
        assertThat(outcome.error().message()).contains("linux/s390x").contains("linux/amd64,linux/ppc64le");
    }

    @Test
    void aCancelledBuildPushesNoIndexEvenWhenItsLastResultComesAfterTheCancel() {
        String id = newBuildId();
        String tag = uniqueTag("cancelled");
        publish(kafka, succeeded(request(LINUX_AMD64, id, List.of(tag)), "oci"));
        publishCancel(kafka, id);
        publish(kafka, succeeded(request(LINUX_PPC64LE, id, List.of(tag)), "oci"));
        // a later build's outcome proves the cancel and the last result were consumed
        String marker = newBuildId();
        publish(kafka, succeeded(request(LINUX_AMD64, marker, List.of(uniqueTag("marker"))), "oci"));
        publish(kafka, succeeded(request(LINUX_PPC64LE, marker, List.of(uniqueTag("marker"))), "oci"));
        outcome(kafka, marker, 1);

        assertThat(assemblyState(id)).isEqualTo("CANCELLED");
        assertThat(tagExists(tag)).isFalse();
        assertThat(indexPuts(tag)).isZero();
        assertThat(kafka.readAll(Topics.OUTCOMES, id)).as("the dispatcher already ended the build").isEmpty();
    }

    @Test
    void aCancelBeforeTheFirstResultIsKeptAndTheBuildNeverAssembles() {
        String id = newBuildId();
        String tag = uniqueTag("cancelled-early");
        publishCancel(kafka, id);
        publish(kafka, succeeded(request(LINUX_AMD64, id, List.of(tag)), "oci"));
        publish(kafka, succeeded(request(LINUX_PPC64LE, id, List.of(tag)), "oci"));

        await().atMost(Duration.ofSeconds(30)).until(() -> "CANCELLED".equals(assemblyState(id)));
        String marker = newBuildId();
        publish(kafka, succeeded(request(LINUX_AMD64, marker, List.of(uniqueTag("marker"))), "oci"));
        publish(kafka, succeeded(request(LINUX_PPC64LE, marker, List.of(uniqueTag("marker"))), "oci"));
        outcome(kafka, marker, 1);
        assertThat(tagExists(tag)).isFalse();
        assertThat(kafka.readAll(Topics.OUTCOMES, id)).isEmpty();
    }

    @Test
    void aCancelAfterTheIndexWasPushedChangesNothing() {
        String id = newBuildId();
        String tag = uniqueTag("too-late");
        publish(kafka, succeeded(request(LINUX_AMD64, id, List.of(tag)), "oci"));
        publish(kafka, succeeded(request(LINUX_PPC64LE, id, List.of(tag)), "oci"));
        assertThat(outcome(kafka, id, 1).type()).isEqualTo(BuildOutcome.Type.INDEX_PUSHED);

        publishCancel(kafka, id);

        await().atMost(Duration.ofSeconds(30))
                .until(() -> QuarkusTransaction.requiringNew()
                        .call(() -> ((Number) entityManager
                                .createNativeQuery("SELECT count(*) FROM cancels WHERE build_id = :id")
                                .setParameter("id", id).getSingleResult()).longValue()) == 1);
        assertThat(assemblyState(id)).isEqualTo("PUSHED");
        assertThat(tagExists(tag)).isTrue();
        assertThat(kafka.readAll(Topics.OUTCOMES, id)).hasSize(1);
    }

    @Test
    void unreadableResultsGoToTheDeadLetterQueueAndTheConsumerGoesOn() {
        String marker = newBuildId();
        kafka.send(Topics.RESULTS, marker, "{\"schema\": 1, \"buildId\": 42}");
        kafka.send(Topics.RESULTS, marker, new byte[] { 0x01, 0x02 });
        String id = newBuildId();
        publish(kafka, succeeded(request(LINUX_AMD64, id, List.of(uniqueTag("after"))), "oci"));
        publish(kafka, succeeded(request(LINUX_PPC64LE, id, List.of(uniqueTag("after"))), "oci"));

        assertThat(kafka.read(Topics.DLQ, r -> marker.equals(r.key()), 2, Duration.ofSeconds(30)))
                .hasSize(2).allSatisfy(r -> assertThat(r.header(Topics.DLQ_REASON_HEADER)).isNotBlank())
                .allSatisfy(r -> assertThat(r.header(Topics.DLQ_CONSUMER_HEADER)).isEqualTo("manifest-assembler/results-in"));
        assertThat(outcome(kafka, id, 1).type()).isEqualTo(BuildOutcome.Type.INDEX_PUSHED);
    }

    @Inject
    RegistryClient registryClient;

    @Test
    void mountsABlobFromAnotherRepositoryWithoutUploadingItsBytes() throws Exception {
        String host = TestImages.registry().hostPort();
        var manifest = registryClient.getManifest(host, TestImages.REPOSITORY, TestImages.digest(LINUX_AMD64, "oci"),
                MediaTypes.OCI_MANIFEST);
        String config = new ObjectMapper().readTree(manifest.body()).path("config").path("digest").asText();
        String target = "mounted/" + uniqueTag("app");
        assertThat(registryClient.blobExists(host, target, config)).isFalse();

        assertThat(registryClient.mountBlob(host, target, config, TestImages.REPOSITORY)).isTrue();

        assertThat(registryClient.blobExists(host, target, config)).isTrue();
        assertThat(TestImages.registry().logLines())
                .filteredOn(l -> l.startsWith("127.0.0.1 - -") && l.contains("/v2/" + target + "/blobs/uploads/"))
                .as("one mount request, no upload").singleElement()
                .satisfies(l -> assertThat(l).contains("\"POST ").contains("mount="));
        assertThat(registryClient.getBlob(host, target, config))
                .isEqualTo(registryClient.getBlob(host, TestImages.REPOSITORY, config));
    }

    @Test
    void reportsHealthAndMetrics() {
        given().baseUri(management.toString()).get("health/ready").then().statusCode(200)
                .body("checks.name", hasItem("Database connections health check"));
        given().baseUri(management.toString()).get("metrics").then().statusCode(200)
                .body(Matchers.containsString("archipelago_assemblies_total"));
    }

    private String assemblyState(String buildId) {
        return QuarkusTransaction.requiringNew().call(() -> (String) entityManager
                .createNativeQuery("SELECT state FROM assemblies WHERE build_id = :id").setParameter("id", buildId)
                .getResultStream().findFirst().orElse(null));
    }

    private static JsonNode inspectRaw(String tag) {
        return Skopeo.inspect(TestImages.repository() + ":" + tag, "--raw");
    }

    private static boolean tagExists(String tag) {
        return TestImages.registry().get("/v2/" + TestImages.REPOSITORY + "/manifests/" + tag,
                MediaTypes.OCI_INDEX + "," + MediaTypes.DOCKER_MANIFEST_LIST).statusCode() == 200;
    }

    private static long indexPuts(String tag) {
        return TestImages.registry().logLines().stream()
                .filter(line -> line.contains("\"PUT /v2/" + TestImages.REPOSITORY + "/manifests/" + tag + " ")).count();
    }
}
