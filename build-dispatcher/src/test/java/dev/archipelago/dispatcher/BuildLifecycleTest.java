package dev.archipelago.dispatcher;

import static dev.archipelago.dispatcher.DispatcherFixture.*;
import static dev.archipelago.model.Platform.LINUX_AMD64;
import static dev.archipelago.model.Platform.LINUX_PPC64LE;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildCancel;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
class BuildLifecycleTest {

    @InjectGitRepository
    ScratchGitRepository git;
    @InjectKafkaClient
    KafkaTestClient kafka;

    @Test
    void acceptsABuildAndPublishesOneRequestPerPlatformWithThePinnedCommit() {
        Response response = submit(tutorialRequest(git.url()));

        assertThat(response.statusCode()).isEqualTo(202);
        String id = response.jsonPath().getString("id");
        assertThat(response.header("Location")).endsWith("/api/builds/" + id);
        assertThat(response.jsonPath().getString("state")).isEqualTo("QUEUED");
        assertThat(response.jsonPath().getString("commit")).isEqualTo(git.head());

        ArchBuildRequest amd64 = request(kafka, id, LINUX_AMD64, 1);
        ArchBuildRequest ppc64le = request(kafka, id, LINUX_PPC64LE, 1);
        for (ArchBuildRequest request : List.of(amd64, ppc64le)) {
            assertThat(request.source().commit()).isEqualTo(git.head());
            assertThat(request.source().ref()).isEqualTo("main");
            assertThat(request.platforms()).containsExactly(LINUX_AMD64, LINUX_PPC64LE);
            assertThat(request.image().repository()).isEqualTo("127.0.0.1:5000/demos");
            assertThat(request.image().indexTags()).containsExactly("gitlab-pyflask-multiarch");
            assertThat(request.buildArgs()).containsEntry("VERSION", "1.2");
            assertThat(request.timeoutSeconds()).isEqualTo(600);
        }
        assertThat(amd64.image().archTag()).isEqualTo("gitlab-pyflask-x86");
        assertThat(ppc64le.image().archTag()).isEqualTo("gitlab-pyflask-ppc64le");
        assertThat(kafka.readAll(Topics.requestsFor(LINUX_AMD64), id)).hasSize(1)
                .allSatisfy(r -> assertThat(r.header(Topics.RECORD_TYPE_HEADER)).isEqualTo(Topics.TYPE_ARCH_BUILD_REQUEST));
    }

    @Test
    void aBundleFromTheCliIsBuiltByDigestWithNoCommitToResolve() {
        String bundle = "127.0.0.1:5000/demos@sha256:" + "0f".repeat(32);
        Response response = submit("""
                {"source": {"bundle": "%s", "dockerfile": "app/Containerfile"},
                 "image": {"repository": "127.0.0.1:5000/demos", "tag": "from-dir"}, "platforms": ["linux/amd64"]}"""
                .formatted(bundle));

        assertThat(response.statusCode()).as(response.asString()).isEqualTo(202);
        String id = response.jsonPath().getString("id");
        assertThat(response.jsonPath().getString("source.bundle")).isEqualTo(bundle);
        assertThat(response.jsonPath().getString("commit")).isNull();
        ArchBuildRequest request = request(kafka, id, LINUX_AMD64, 1);
        assertThat(request.source().bundle()).isEqualTo(bundle);
        assertThat(request.source().git()).isNull();
        assertThat(request.source().commit()).isNull();
        assertThat(request.source().dockerfile()).isEqualTo("app/Containerfile");
        assertThat(request.source().revision()).isEqualTo("sha256:" + "0f".repeat(32));
    }

    @Test
    void followsResultsAndTheOutcomeToSucceeded() {
        String id = submitOk(tutorialRequest(git.url()));
        ArchBuildRequest amd64 = request(kafka, id, LINUX_AMD64, 1);
        ArchBuildRequest ppc64le = request(kafka, id, LINUX_PPC64LE, 1);

        publish(kafka, started(amd64));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("BUILDING"));
        publish(kafka, started(ppc64le));
        publish(kafka, succeeded(amd64, DIGEST_AMD64));
        publish(kafka, succeeded(ppc64le, DIGEST_PPC64LE));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("ASSEMBLING"));
        publish(kafka, indexPushed(id, 1));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("SUCCEEDED"));

        JsonPath build = given().get("/api/builds/" + id).jsonPath();
        assertThat(build.getString("index.digest")).isEqualTo(INDEX_DIGEST);
        assertThat(build.getList("index.tags")).containsExactly("gitlab-pyflask-multiarch");
        assertThat(build.getString("finishedAt")).isNotNull();
        assertThat(build.getString("platforms[0].platform")).isEqualTo("linux/amd64");
        assertThat(build.getString("platforms[0].digest")).isEqualTo(DIGEST_AMD64);
        assertThat(build.getString("platforms[0].image")).isEqualTo("127.0.0.1:5000/demos:gitlab-pyflask-x86");
        assertThat(build.getString("platforms[1].worker")).isEqualTo("worker-ppc64le");
        assertThat(build.getBoolean("platforms[1].emulated")).isTrue();
        assertThat(build.getString("platforms[1].state")).isEqualTo("SUCCEEDED");
        // what the assembler attached beside the images, as its outcome said
        assertThat(build.getString("index.attestations[0].kind")).isEqualTo("SBOM");
        assertThat(build.getString("index.attestations[0].platform")).isEqualTo("linux/ppc64le");
        assertThat(build.getString("index.attestations[0].subject")).isEqualTo(DIGEST_PPC64LE);
        assertThat(build.getString("index.attestations[0].reference")).isEqualTo("127.0.0.1:5000/demos@" + ATTESTATION_DIGEST);
        assertThat(build.getString("index.attestations[1].kind")).isEqualTo("SIGNATURE");
        assertThat(build.getString("index.attestations[1].platform")).isNull();
        assertThat(build.getString("index.attestations[1].tag")).isEqualTo(INDEX_DIGEST.replace(':', '-') + ".sig");
        assertThat(build.getList("index.warnings")).containsExactly(
                "linux/amd64 SBOM: /var/lib/rpm/rpmdb.sqlite: an RPM database; its packages are not listed");
    }

    @Test
    void followsAFailedPlatformAndTheOutcomeToFailed() {
        String id = submitOk(tutorialRequest(git.url()));
        ArchBuildRequest amd64 = request(kafka, id, LINUX_AMD64, 1);
        ArchBuildRequest ppc64le = request(kafka, id, LINUX_PPC64LE, 1);

        publish(kafka, succeeded(amd64, DIGEST_AMD64));
        publish(kafka, failed(ppc64le, BuildErrorCode.BUILD_FAILED, "RUN step 2 exited 1"));
        publish(kafka, failedOutcome(id, 1, LINUX_PPC64LE, BuildErrorCode.BUILD_FAILED));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("FAILED") && "RUN step 2 exited 1".equals(
                given().get("/api/builds/" + id).jsonPath().getString("platforms[1].error.message")));

        JsonPath build = given().get("/api/builds/" + id).jsonPath();
        assertThat(build.getString("error.code")).isEqualTo("PLATFORMS_FAILED");
        assertThat(build.getString("platforms[1].error.code")).isEqualTo("BUILD_FAILED");
        assertThat(build.getString("platforms[1].error.message")).isEqualTo("RUN step 2 exited 1");
        assertThat(build.getList("platforms[1].error.logTail")).contains("STEP 2/2: RUN false");
        assertThat(build.getString("index.digest")).isNull();
    }

    @Test
    void duplicateAndLateResultsChangeNothing() {
        String id = submitOk(tutorialRequest(git.url()));
        ArchBuildRequest amd64 = request(kafka, id, LINUX_AMD64, 1);
        ArchBuildRequest ppc64le = request(kafka, id, LINUX_PPC64LE, 1);
        publish(kafka, succeeded(amd64, DIGEST_AMD64));
        publish(kafka, succeeded(ppc64le, DIGEST_PPC64LE));
        publish(kafka, indexPushed(id, 1));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("SUCCEEDED")
                && given().get("/api/builds/" + id).jsonPath().getList("platforms.worker").stream().allMatch(w -> w != null));
        long version = given().get("/api/builds/" + id).jsonPath().getLong("version");

        publish(kafka, started(ppc64le));
        publish(kafka, succeeded(amd64, DIGEST_AMD64));
        publish(kafka, failed(amd64, BuildErrorCode.BUILD_FAILED, "late"));
        publish(kafka, indexPushed(id, 1));
        publish(kafka, failedOutcome(id, 1, LINUX_AMD64, BuildErrorCode.BUILD_FAILED));
        // a marker event on another build, published after the noise, proves the noise was consumed
        String marker = submitOk(tutorialRequest(git.url()));
        publish(kafka, started(request(kafka, marker, LINUX_AMD64, 1)));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(marker).equals("BUILDING"));

        JsonPath build = given().get("/api/builds/" + id).jsonPath();
        assertThat(build.getString("state")).isEqualTo("SUCCEEDED");
        assertThat(build.getLong("version")).isEqualTo(version);
        assertThat(build.getString("platforms[1].state")).isEqualTo("SUCCEEDED");
        assertThat(build.getString("platforms[0].error")).isNull();
    }

    @Test
    void anOutcomeThatOvertakesTheLastResultStillShowsEveryPlatformSucceeded() {
        String id = submitOk(tutorialRequest(git.url()));
        ArchBuildRequest amd64 = request(kafka, id, LINUX_AMD64, 1);
        ArchBuildRequest ppc64le = request(kafka, id, LINUX_PPC64LE, 1);
        publish(kafka, succeeded(amd64, DIGEST_AMD64));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("BUILDING"));

        publish(kafka, indexPushed(id, 1));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("SUCCEEDED"));
        JsonPath before = given().get("/api/builds/" + id).jsonPath();
        assertThat(before.getString("platforms[1].state")).isEqualTo("SUCCEEDED");
        assertThat(before.getString("platforms[1].digest")).isEqualTo(DIGEST_PPC64LE);
        assertThat(before.getString("platforms[1].worker")).isNull();

        publish(kafka, succeeded(ppc64le, DIGEST_PPC64LE));
        await().atMost(Duration.ofSeconds(20)).until(() -> "worker-ppc64le".equals(
                given().get("/api/builds/" + id).jsonPath().getString("platforms[1].worker")));
        assertThat(state(id)).isEqualTo("SUCCEEDED");
    }

    @Test
    void aFailureOutcomeThatOvertakesASuccessStillLetsRetrySkipTheSucceededPlatform() {
        String id = submitOk(tutorialRequest(git.url()));
        ArchBuildRequest amd64 = request(kafka, id, LINUX_AMD64, 1);
        ArchBuildRequest ppc64le = request(kafka, id, LINUX_PPC64LE, 1);
        publish(kafka, failed(ppc64le, BuildErrorCode.BUILD_FAILED, "broken"));
        publish(kafka, failedOutcome(id, 1, LINUX_PPC64LE, BuildErrorCode.BUILD_FAILED));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("FAILED"));

        publish(kafka, succeeded(amd64, DIGEST_AMD64));
        await().atMost(Duration.ofSeconds(20)).until(() -> "SUCCEEDED".equals(
                given().get("/api/builds/" + id).jsonPath().getString("platforms[0].state")));
        assertThat(state(id)).isEqualTo("FAILED");

        given().post("/api/builds/" + id + "/retry").then().statusCode(200);
        request(kafka, id, LINUX_PPC64LE, 2);
        assertThat(kafka.readAll(Topics.requestsFor(LINUX_AMD64), id)).hasSize(1);
    }

    @Test
    void aFailureOutcomeThatOvertakesTheFailedResultStillShowsTheWorkersMessageAndLogTail() {
        String id = submitOk(tutorialRequest(git.url()));
        ArchBuildRequest ppc64le = request(kafka, id, LINUX_PPC64LE, 1);
        publish(kafka, failedOutcome(id, 1, LINUX_PPC64LE, BuildErrorCode.BUILD_FAILED));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("FAILED"));
        assertThat(given().get("/api/builds/" + id).jsonPath().getString("platforms[1].error.message")).isEqualTo("it failed");

        publish(kafka, failed(ppc64le, BuildErrorCode.BUILD_FAILED, "RUN step 2 exited 1"));

        await().atMost(Duration.ofSeconds(20)).until(() -> "RUN step 2 exited 1".equals(
                given().get("/api/builds/" + id).jsonPath().getString("platforms[1].error.message")));
        JsonPath build = given().get("/api/builds/" + id).jsonPath();
        assertThat(build.getList("platforms[1].error.logTail")).contains("STEP 2/2: RUN false");
        assertThat(build.getString("platforms[1].worker")).isEqualTo("worker-ppc64le");
        assertThat(build.getString("state")).isEqualTo("FAILED");
    }

    @Test
    void outOfOrderResultsWithinABuildKeepTheFurthestState() {
        String id = submitOk(tutorialRequest(git.url()));
        ArchBuildRequest amd64 = request(kafka, id, LINUX_AMD64, 1);
        publish(kafka, succeeded(amd64, DIGEST_AMD64));
        publish(kafka, started(amd64));
        await().atMost(Duration.ofSeconds(20)).until(() -> "SUCCEEDED".equals(
                given().get("/api/builds/" + id).jsonPath().getString("platforms[0].state")));
        String marker = submitOk(tutorialRequest(git.url()));
        publish(kafka, started(request(kafka, marker, LINUX_AMD64, 1)));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(marker).equals("BUILDING"));

        assertThat(given().get("/api/builds/" + id).jsonPath().getString("platforms[0].state")).isEqualTo("SUCCEEDED");
        assertThat(state(id)).isEqualTo("BUILDING");
    }

    @Test
    void retryRepublishesOnlyTheFailedPlatformAsTheNextAttempt() {
        String id = submitOk(tutorialRequest(git.url()));
        ArchBuildRequest amd64 = request(kafka, id, LINUX_AMD64, 1);
        ArchBuildRequest ppc64le = request(kafka, id, LINUX_PPC64LE, 1);
        given().post("/api/builds/" + id + "/retry").then().statusCode(409);

        publish(kafka, succeeded(amd64, DIGEST_AMD64));
        publish(kafka, failed(ppc64le, BuildErrorCode.BUILD_FAILED, "flaky"));
        publish(kafka, failedOutcome(id, 1, LINUX_PPC64LE, BuildErrorCode.BUILD_FAILED));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("FAILED"));

        JsonPath retried = given().post("/api/builds/" + id + "/retry").then().statusCode(200).extract().jsonPath();
        assertThat(retried.getInt("attempt")).isEqualTo(2);
        assertThat(retried.getString("state")).isEqualTo("QUEUED");
        ArchBuildRequest again = request(kafka, id, LINUX_PPC64LE, 2);
        assertThat(again.source().commit()).isEqualTo(ppc64le.source().commit());
        assertThat(again.image().archTag()).isEqualTo("gitlab-pyflask-ppc64le");
        assertThat(kafka.readAll(Topics.requestsFor(LINUX_AMD64), id)).hasSize(1);
        assertThat(kafka.readAll(Topics.requestsFor(LINUX_PPC64LE), id)).hasSize(2);

        // a late failure outcome of attempt 1 must not fail attempt 2
        publish(kafka, failedOutcome(id, 1, LINUX_PPC64LE, BuildErrorCode.BUILD_FAILED));
        publish(kafka, succeeded(again, DIGEST_PPC64LE));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("ASSEMBLING"));
        publish(kafka, indexPushed(id, 2));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("SUCCEEDED"));
    }

    @Test
    void cancelMarksTheBuildAndReachesTheRequestTopics() {
        String id = submitOk(tutorialRequest(git.url()));
        ArchBuildRequest amd64 = request(kafka, id, LINUX_AMD64, 1);
        publish(kafka, succeeded(amd64, DIGEST_AMD64));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("BUILDING"));

        JsonPath cancelled = given().post("/api/builds/" + id + "/cancel").then().statusCode(200).extract().jsonPath();

        assertThat(cancelled.getString("state")).isEqualTo("CANCELLED");
        List<KafkaTestClient.Received> cancels = kafka.read(Topics.requestsFor(LINUX_PPC64LE),
                r -> id.equals(r.key()) && Topics.TYPE_BUILD_CANCEL.equals(r.header(Topics.RECORD_TYPE_HEADER)), 1,
                Duration.ofSeconds(20));
        assertThat(cancels).hasSize(1);
        BuildCancel cancel = EventJson.decode(cancels.get(0).value(), BuildCancel.class);
        assertThat(cancel.platform()).isEqualTo(Platform.LINUX_PPC64LE);
        assertThat(cancel.attempt()).isEqualTo(1);
        assertThat(kafka.readAll(Topics.requestsFor(LINUX_AMD64), id)).as("amd64 had finished: no cancel").hasSize(1);
        List<KafkaTestClient.Received> forTheAssembler = kafka.read(Topics.RESULTS,
                r -> id.equals(r.key()) && Topics.TYPE_BUILD_CANCEL.equals(r.header(Topics.RECORD_TYPE_HEADER)), 1,
                Duration.ofSeconds(20));
        assertThat(forTheAssembler).as("the assembler is told on the results topic").hasSize(1);
        assertThat(EventJson.decode(forTheAssembler.get(0).value(), BuildCancel.class).platform()).as("the whole build")
                .isNull();
        given().post("/api/builds/" + id + "/cancel").then().statusCode(409);
        publish(kafka, succeeded(request(kafka, id, LINUX_PPC64LE, 1), DIGEST_PPC64LE));
        assertThat(state(id)).isEqualTo("CANCELLED");
    }

    @Test
    void aBuildThatIsAssemblingCannotBeCancelledAndSaysWhy() {
        String id = submitOk(tutorialRequest(git.url()));
        publish(kafka, succeeded(request(kafka, id, LINUX_AMD64, 1), DIGEST_AMD64));
        publish(kafka, succeeded(request(kafka, id, LINUX_PPC64LE, 1), DIGEST_PPC64LE));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("ASSEMBLING"));

        Response refused = given().post("/api/builds/" + id + "/cancel");

        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.jsonPath().getString("detail")).contains("ASSEMBLING").contains("index is being pushed");
        assertThat(kafka.readAll(Topics.RESULTS, id)).as("no cancel went out")
                .noneMatch(r -> Topics.TYPE_BUILD_CANCEL.equals(r.header(Topics.RECORD_TYPE_HEADER)));
        publish(kafka, indexPushed(id, 1));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("SUCCEEDED"));
    }

    @Test
    void anIndexPushedBeforeTheCancelReachedTheAssemblerIsShownOnTheCancelledBuild() {
        String id = submitOk(tutorialRequest(git.url()));
        publish(kafka, succeeded(request(kafka, id, LINUX_AMD64, 1), DIGEST_AMD64));
        await().atMost(Duration.ofSeconds(20)).until(() -> state(id).equals("BUILDING"));
        given().post("/api/builds/" + id + "/cancel").then().statusCode(200);

        publish(kafka, indexPushed(id, 1));

        await().atMost(Duration.ofSeconds(20)).until(() -> INDEX_DIGEST.equals(given().get("/api/builds/" + id).jsonPath()
                .getString("index.digest")));
        JsonPath view = given().get("/api/builds/" + id).jsonPath();
        assertThat(view.getString("state")).isEqualTo("CANCELLED");
        assertThat(view.getString("error.message")).contains("already pushed the index");
    }

    @Test
    void listsNewestFirstFilteredByState() {
        String older = submitOk(tutorialRequest(git.url()));
        String newer = submitOk(tutorialRequest(git.url()));
        given().post("/api/builds/" + newer + "/cancel").then().statusCode(200);

        List<String> queued = given().get("/api/builds?state=queued&limit=200").jsonPath().getList("id");
        List<String> all = given().get("/api/builds?limit=2").jsonPath().getList("id");

        assertThat(queued).contains(older).doesNotContain(newer);
        assertThat(all).containsExactly(newer, older);
        given().get("/api/builds?limit=100000").then().statusCode(400).contentType("application/problem+json");
        given().get("/api/builds?state=DONE").then().statusCode(400);
    }

    @Test
    void unknownBuildsAreProblems() {
        given().get("/api/builds/00000000-0000-0000-0000-000000000000").then().statusCode(404)
                .contentType("application/problem+json");
        given().get("/api/builds/not-a-uuid").then().statusCode(404).contentType("application/problem+json");
    }
}
