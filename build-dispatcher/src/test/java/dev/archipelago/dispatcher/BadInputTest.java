package dev.archipelago.dispatcher;

import static dev.archipelago.dispatcher.DispatcherFixture.submit;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.archipelago.infra.FreePorts;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.LogCapture;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Every refusal says what to fix, and leaves no row and no record behind. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
class BadInputTest {

    @InjectGitRepository
    ScratchGitRepository git;
    @InjectKafkaClient
    KafkaTestClient kafka;
    private long buildsBefore;
    private long outboxBefore;
    private long requestsBefore;

    @BeforeEach
    void countBefore() {
        buildsBefore = Counts.builds();
        outboxBefore = Counts.outbox();
        requestsBefore = requestRecords();
    }

    @AfterEach
    void nothingWasStoredOrPublished() {
        assertThat(Counts.builds()).as("builds rows").isEqualTo(buildsBefore);
        assertThat(Counts.outbox()).as("outbox rows").isEqualTo(outboxBefore);
        assertThat(requestRecords()).as("records on the request topics").isEqualTo(requestsBefore);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown platform         | "platforms": ["linux/amd64", "windows/arm"]                   | unknown platform 'windows/arm'
            duplicate platforms      | "platforms": ["linux/amd64", "x86_64"]                        | lists linux/amd64 twice
            empty platform list      | "platforms": []                                               | platforms is empty
            upper-case repository    | "image": {"repository": "quay.io/Org/demos", "tag": "v1"}     | must be lower case
            repository with a tag    | "image": {"repository": "quay.io/org/demos:v1", "tag": "v1"}  | must name a repository only
            invalid tag              | "image": {"repository": "quay.io/org/demos", "tag": "-v1"}    | tag '-v1' is invalid
            too long tag             | "image": {"repository": "quay.io/org/demos", "tag": "%s"}     | the limit is 128
            absolute contextDir      | "source": {"git": "GIT", "contextDir": "/etc"}                | is absolute
            contextDir with ..       | "source": {"git": "GIT", "contextDir": "app/../../x"}         | contains '..'
            dockerfile with ..       | "source": {"git": "GIT", "dockerfile": "../Dockerfile"}       | contains '..'
            absolute dockerfile      | "source": {"git": "GIT", "dockerfile": "/Dockerfile"}         | is absolute
            bad build-arg name       | "buildArgs": {"1VERSION": "x"}                                | must match [A-Za-z_][A-Za-z0-9_]*
            build-arg with dash      | "buildArgs": {"MY-ARG": "x"}                                  | must match [A-Za-z_][A-Za-z0-9_]*
            label with newline       | "labels": {"a": "x\\r\\nInjected: 1"}                         | without control characters
            reserved label           | "labels": {"dev.archipelago.build-id": "x"}                   | is reserved
            http git url             | "source": {"git": "http://example.com/a.git"}                 | scheme 'http' is not allowed
            ftp git url              | "source": {"git": "ftp://example.com/a.git"}                  | scheme 'ftp' is not allowed
            git url option           | "source": {"git": "--upload-pack=touch /tmp/x"}               | must not contain blanks
            timeout too short        | "timeoutSeconds": 59                                          | out of range; use 60 to 86400
            timeout too long         | "timeoutSeconds": 86401                                       | out of range; use 60 to 86400
            unknown field            | "colour": "blue"                                              | unknown field 'colour'
            wrong type               | "timeoutSeconds": "soon"                                      | field 'timeoutSeconds'
            missing image            | "image": null                                                 | field 'image' is required
            null platforms           | "platforms": null                                             | field 'platforms' is required
            null platform entry      | "platforms": [null]                                           | platform is empty
            blank git url            | "source": {"git": " "}                                        | field 'source.git' is required
            null tag                 | "image": {"repository": "quay.io/org/demos", "tag": null}     | field 'image.tag' is required
            nested wrong type        | "buildArgs": {"A": 1}                                         | buildArgs
            unknown template var     | "image": {"repository": "quay.io/org/demos", "tag": "v1", "archTagTemplate": "{tag}-{os}"} | unknown placeholder {os}
            bad ref                  | "source": {"git": "GIT", "ref": "main..evil"}                 | not a valid git ref name
            git and bundle           | "source": {"git": "GIT", "bundle": "127.0.0.1:5000/c@sha256:%64"} | field 'source.bundle' excludes 'source.git'
            bundle with a ref        | "source": {"bundle": "127.0.0.1:5000/c@sha256:%64", "ref": "main"} | field 'source.bundle' excludes 'source.git' and 'source.ref'
            bundle with a tag        | "source": {"bundle": "127.0.0.1:5000/c:latest"}               | is not a bundle reference
            bundle not sha256        | "source": {"bundle": "127.0.0.1:5000/c@md5:abc"}               | source.bundle
            """)
    void refusesWithAProblemThatSaysWhatToFix(String name, String override, String message) {
        Response response = submit(body(override.replace("%s", "t".repeat(129)).replace("%64", "ab".repeat(32))
                .replace("GIT", git.url())));

        assertThat(response.statusCode()).as(response.asString()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.jsonPath().getString("detail")).contains(message);
        assertThat(response.jsonPath().getInt("status")).isEqualTo(400);
    }

    @Test
    void refusesMalformedJsonAndEmptyBodies() {
        assertThat(submit("{\"source\": ").statusCode()).isEqualTo(400);
        assertThat(submit("[1,2]").jsonPath().getString("detail")).contains("BuildRequest");
        assertThat(given().contentType(ContentType.JSON).post("/api/builds").statusCode()).isEqualTo(400);
    }

    @Test
    void refusesBodiesOver64KiB() {
        String huge = body("\"labels\": {\"big\": \"" + "x".repeat(70_000) + "\"}");
        Response response = submit(huge);
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.jsonPath().getString("detail")).contains("64 KiB");
    }

    @Test
    void refusesNonJsonBodies() {
        Response response = given().contentType(ContentType.TEXT).body("hello").post("/api/builds");
        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(response.contentType()).startsWith("application/problem+json");
    }

    @Test
    void refusesARefThatDoesNotResolveWith422() {
        Response response = submit(body("\"source\": {\"git\": \"" + git.url() + "\", \"ref\": \"no-such-branch\"}"));
        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.jsonPath().getString("detail")).contains("no-such-branch").contains("does not resolve");
    }

    @Test
    void refusesCredentialsInTheGitUrlWithoutEchoingThem() {
        String secret = "pa55-" + UUID.randomUUID();
        try (LogCapture logs = new LogCapture()) {
            Response withPassword = submit(
                    body("\"source\": {\"git\": \"https://robot:" + secret + "@gitlab.com/org/app.git\"}"));
            Response withToken = submit(body("\"source\": {\"git\": \"https://" + secret + "@github.com/org/app.git\"}"));

            for (Response response : List.of(withPassword, withToken)) {
                assertThat(response.statusCode()).isEqualTo(400);
                assertThat(response.jsonPath().getString("detail")).contains("must not carry credentials")
                        .contains("https://***@");
                assertThat(response.asString()).doesNotContain(secret);
            }
            assertThat(logs.linesContaining(secret)).isEmpty();
        }
    }

    @Test
    void anUnreachableRepositoryIs422WithGitsMessage() {
        int closedPort = FreePorts.next();
        Response response = submit(body("\"source\": {\"git\": \"https://127.0.0.1:" + closedPort + "/org/app.git\"}"));

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.jsonPath().getString("detail")).contains("does not resolve").contains("127.0.0.1:" + closedPort);
    }

    @Test
    void refusesFileUrlsUnlessConfigured() {
        // this profile allows them (tests build from local repositories); the validator's own test covers the default
        assertThat(submit(body("")).statusCode()).isEqualTo(202);
        buildsBefore = Counts.builds();
        outboxBefore = Counts.outbox();
        Awaitility.await().until(() -> requestRecords() == requestsBefore + 2);
        requestsBefore = requestRecords();
    }

    private String body(String override) {
        String source = "\"source\": {\"git\": \"" + git.url() + "\"}";
        String image = "\"image\": {\"repository\": \"quay.io/org/demos\", \"tag\": \"v1\"}";
        String platforms = "\"platforms\": [\"linux/amd64\", \"linux/ppc64le\"]";
        List<String> fields = new ArrayList<>(List.of(source, image, platforms));
        if (!override.isBlank()) {
            String key = override.substring(0, override.indexOf(':'));
            fields.removeIf(f -> f.startsWith(key + ":"));
            fields.add(override);
        }
        return "{" + String.join(", ", fields) + "}";
    }

    private long requestRecords() {
        return Counts.requestRecords(kafka);
    }
}
