package dev.archipelago.dispatcher;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.events.Schema;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.KafkaTestClient;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** What the dispatcher tests share: a git repository to build, submitting, and playing the workers and the assembler. */
final class DispatcherFixture {

    static final String DIGEST_AMD64 = "sha256:" + "a1".repeat(32);
    static final String DIGEST_PPC64LE = "sha256:" + "b2".repeat(32);
    static final String INDEX_DIGEST = "sha256:" + "c3".repeat(32);
    static final String ATTESTATION_DIGEST = "sha256:" + "a7".repeat(32);
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    private DispatcherFixture() {
    }

    static ScratchGitRepository repository() {
        ScratchGitRepository git = ScratchGitRepository.create();
        git.write("Dockerfile", "FROM scratch\nCOPY hello /hello\n").write("hello", "hi\n").commit("app");
        return git;
    }

    /** The tutorial's request: demos, gitlab-pyflask, -x86 and -ppc64le, -multiarch. */
    static String tutorialRequest(String gitUrl) {
        return """
                {"source": {"git": "%s", "ref": "main"},
                 "image": {"repository": "127.0.0.1:5000/demos", "tag": "gitlab-pyflask",
                           "archTags": {"x86": "gitlab-pyflask-x86"}, "indexTags": ["gitlab-pyflask-multiarch"]},
                 "platforms": ["linux/amd64", "ppc64el"], "buildArgs": {"VERSION": "1.2"}, "timeoutSeconds": 600}
                """.formatted(gitUrl);
    }

    static Response submit(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/builds");
    }

    static String submitOk(String body) {
        Response response = submit(body);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(202);
        return response.jsonPath().getString("id");
    }

    /** Waits for the one request of a build on a platform's topic (attempt given) and decodes it. */
    static ArchBuildRequest request(KafkaTestClient kafka, String buildId, Platform platform, int attempt) {
        List<KafkaTestClient.Received> records = kafka.read(Topics.requestsFor(platform),
                r -> buildId.equals(r.key()) && Topics.TYPE_ARCH_BUILD_REQUEST.equals(r.header(Topics.RECORD_TYPE_HEADER))
                        && r.value().contains("\"attempt\":" + attempt + ","),
                1, Duration.ofSeconds(30));
        assertThat(records).as("request of build %s for %s, attempt %d", buildId, platform, attempt).hasSize(1);
        return EventJson.decode(records.get(0).value(), ArchBuildRequest.class);
    }

    static void publish(KafkaTestClient kafka, ArchBuildEvent event) {
        kafka.send(Topics.RESULTS, event.buildId(), EventJson.encodeToString(event));
    }

    static void publish(KafkaTestClient kafka, BuildOutcome outcome) {
        kafka.send(Topics.OUTCOMES, outcome.buildId(), EventJson.encodeToString(outcome));
    }

    static ArchBuildEvent started(ArchBuildRequest request) {
        return ArchBuildEvent.started(request, "worker-" + request.platform().tagSafeName(), false, Instant.now());
    }

    static ArchBuildEvent succeeded(ArchBuildRequest request, String digest) {
        return ArchBuildEvent.succeeded(request, "worker-" + request.platform().tagSafeName(),
                request.platform().equals(Platform.LINUX_PPC64LE), null,
                new ArchBuildEvent.Artifact(digest, OCI_MANIFEST, 500), new ArchBuildEvent.Durations(10, 2000, 5, 300), 3,
                Instant.now());
    }

    static ArchBuildEvent failed(ArchBuildRequest request, BuildErrorCode code, String message) {
        return ArchBuildEvent.failed(request, "worker-" + request.platform().tagSafeName(), false,
                new ArchBuildEvent.Failure(code, message, List.of("STEP 2/2: RUN false", "error building at STEP")),
                new ArchBuildEvent.Durations(10, 900, 0, 0), Instant.now());
    }

    static BuildOutcome indexPushed(String buildId, int attempt) {
        return new BuildOutcome(Schema.CURRENT, buildId, attempt, BuildOutcome.Type.INDEX_PUSHED,
                new BuildOutcome.Index("127.0.0.1:5000/demos", List.of("gitlab-pyflask-multiarch"), INDEX_DIGEST,
                        "application/vnd.oci.image.index.v1+json", 700, List.of(
                                new BuildOutcome.Child(Platform.LINUX_AMD64, DIGEST_AMD64, OCI_MANIFEST, 500, false),
                                new BuildOutcome.Child(Platform.LINUX_PPC64LE, DIGEST_PPC64LE, OCI_MANIFEST, 500, true)),
                        List.of(new BuildOutcome.Attestation(BuildOutcome.Attestation.Kind.SBOM, Platform.LINUX_PPC64LE,
                                DIGEST_PPC64LE,
                                ATTESTATION_DIGEST, "application/vnd.cyclonedx+json", DIGEST_PPC64LE.replace(':', '-')),
                                new BuildOutcome.Attestation(BuildOutcome.Attestation.Kind.SIGNATURE, null, INDEX_DIGEST,
                                        ATTESTATION_DIGEST,
                                        "application/vnd.dev.cosign.simplesigning.v1+json",
                                        INDEX_DIGEST.replace(':', '-') + ".sig")),
                        List.of("linux/amd64 SBOM: /var/lib/rpm/rpmdb.sqlite: an RPM database; its packages are not listed")),
                List.of(), List.of(), null, Instant.now());
    }

    static BuildOutcome failedOutcome(String buildId, int attempt, Platform platform, BuildErrorCode code) {
        return new BuildOutcome(Schema.CURRENT, buildId, attempt, BuildOutcome.Type.FAILED, null, List.of(),
                List.of(new BuildOutcome.PlatformFailure(platform, code, "it failed")),
                new BuildOutcome.Error(BuildErrorCode.PLATFORMS_FAILED, platform + " failed: " + code), Instant.now());
    }

    static String state(String buildId) {
        return given().get("/api/builds/" + buildId).then().statusCode(200).extract().path("state");
    }
}
