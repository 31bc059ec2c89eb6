package dev.archipelago.dispatcher;

import static dev.archipelago.model.Platform.LINUX_AMD64;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.archipelago.infra.ScratchGitRepository;
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
import io.restassured.http.ContentType;
import io.restassured.response.Response;

@QuarkusTest
@TestProfile(WebhooksTest.WithSecrets.class)
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
class WebhooksTest {

    static final String GITLAB_TOKEN = "gl-token-" + UUID.randomUUID();
    static final String GITHUB_SECRET = "gh-secret-" + UUID.randomUUID();

    public static class WithSecrets implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("archipelago.dispatcher.webhooks.gitlab-token", GITLAB_TOKEN,
                    "archipelago.dispatcher.webhooks.github-secret", GITHUB_SECRET);
        }
    }

    @InjectGitRepository
    ScratchGitRepository git;
    @InjectKafkaClient
    KafkaTestClient kafka;
    @RegisterExtension
    static final LogCapture logs = new LogCapture();
    private static boolean pipelinesCreated;

    @AfterAll
    static void noSecretWasLogged() {
        assertThat(logs.linesContaining(GITLAB_TOKEN)).as("log lines with the GitLab token").isEmpty();
        assertThat(logs.linesContaining(GITHUB_SECRET)).as("log lines with the GitHub secret").isEmpty();
    }

    @BeforeEach
    void pipelines() {
        if (pipelinesCreated) {
            return;
        }
        git.branch("release/2.0");
        pipelinesCreated = true;
        given().contentType(ContentType.JSON).body(pipeline("gl-app", "gitlab", "org/app", "[\"main\", \"release/*\"]"))
                .post("/api/pipelines").then().statusCode(201);
        given().contentType(ContentType.JSON).body(pipeline("gh-app", "github", "owner/app", "[\"main\"]"))
                .post("/api/pipelines").then().statusCode(201);
    }

    @Test
    void aGitLabPushWithTheRightTokenBuildsThePushedCommit() {
        Response response = gitlabPush(GITLAB_TOKEN, "refs/heads/release/2.0", git.head());

        assertThat(response.statusCode()).as(response.asString()).isEqualTo(202);
        String buildId = response.jsonPath().getString("builds[0]");
        var build = given().get("/api/builds/" + buildId).jsonPath();
        assertThat(build.getString("commit")).isEqualTo(git.head());
        assertThat(build.getString("source.ref")).isEqualTo("release/2.0");
        assertThat(build.getString("image.tag")).isEqualTo("release-2.0-" + git.head().substring(0, 7));
        assertThat(kafka.read(Topics.requestsFor(LINUX_AMD64), r -> buildId.equals(r.key()), 1, Duration.ofSeconds(20)))
                .hasSize(1);

        Response again = gitlabPush(GITLAB_TOKEN, "refs/heads/release/2.0", git.head());
        assertThat(again.jsonPath().getString("builds[0]")).as("a redelivered push makes no second build").isEqualTo(buildId);
    }

    @Test
    void aGitLabPushWithAWrongTokenIs401AndCreatesNothing() {
        long builds = Counts.builds();

        assertThat(gitlabPush("wrong-" + GITLAB_TOKEN, "refs/heads/main", git.head()).statusCode()).isEqualTo(401);
        assertThat(gitlabPush(null, "refs/heads/main", git.head()).statusCode()).isEqualTo(401);

        assertThat(Counts.builds()).isEqualTo(builds);
    }

    @Test
    void anUnmappedBranchStartsNothing() {
        Response response = gitlabPush(GITLAB_TOKEN, "refs/heads/feature/x", git.head());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.jsonPath().getList("builds")).isEmpty();
        assertThat(response.jsonPath().getString("note")).contains("no pipeline maps org/app branch feature/x");
    }

    @Test
    void aGitHubPushWithAValidSignatureBuildsAndAForgedOneIs401() throws Exception {
        String body = """
                {"ref": "refs/heads/main", "after": "%s", "deleted": false,
                 "repository": {"full_name": "owner/app", "clone_url": "%s"}}""".formatted(git.head(), git.url());
        long builds = Counts.builds();

        Response forged = githubPush(body, "sha256=" + hmac("not-the-secret", body));
        Response unsigned = githubPush(body, null);
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(Counts.builds()).isEqualTo(builds);

        Response signed = githubPush(body, "sha256=" + hmac(GITHUB_SECRET, body));
        assertThat(signed.statusCode()).as(signed.asString()).isEqualTo(202);
        assertThat(signed.asString()).doesNotContain(GITHUB_SECRET);
        assertThat(Counts.builds()).isEqualTo(builds + 1);
    }

    @Test
    void aGitHubPushOfManyCommitsOverTheApisLimitBuildsAndOneOver25MibIsRefused() throws Exception {
        // a push of 500 commits: about 230 KiB, over three times the API's 64 KiB limit
        StringBuilder commits = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            commits.append(i == 0 ? "" : ",").append("""
                    {"id": "%040x", "message": "%s", "author": {"name": "dev", "email": "dev@example.org"},
                     "added": [], "removed": [], "modified": ["src/file-%d.txt"]}""".formatted(i, "change ".repeat(40), i));
        }
        String many = """
                {"ref": "refs/heads/main", "after": "%s", "deleted": false, "commits": [%s],
                 "repository": {"full_name": "owner/app", "clone_url": "%s"}}""".formatted(git.head(), commits, git.url());
        assertThat(many.length()).isGreaterThan(3 * 64 * 1024);

        Response built = githubPush(many, "sha256=" + hmac(GITHUB_SECRET, many));
        assertThat(built.statusCode()).as(built.asString()).isEqualTo(202);
        String buildId = built.jsonPath().getString("builds[0]");
        assertThat(kafka.read(Topics.requestsFor(LINUX_AMD64), r -> buildId.equals(r.key()), 1, Duration.ofSeconds(20)))
                .hasSize(1);

        long builds = Counts.builds();
        String huge = many.replace("\"commits\": [", "\"padding\": \"" + "x".repeat(25 * 1024 * 1024) + "\", \"commits\": [");
        Response refused = githubPush(huge, "sha256=" + hmac(GITHUB_SECRET, huge));
        assertThat(refused.statusCode()).isEqualTo(413);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.jsonPath().getString("detail")).contains("the limit is 25 MiB");
        assertThat(Counts.builds()).isEqualTo(builds);
        Response api = given().contentType(ContentType.JSON).body(many).post("/api/builds");
        assertThat(api.statusCode()).as("the API keeps its own limit").isEqualTo(413);
        assertThat(api.jsonPath().getString("detail")).contains("the limit is 64 KiB");
    }

    @Test
    void pipelinesAreValidatedLikeBuilds() {
        Response bad = given().contentType(ContentType.JSON)
                .body(pipeline("bad", "gitlab", "org/x", "[\"main\"]").replace("linux/amd64", "linux/vax"))
                .post("/api/pipelines");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.jsonPath().getString("detail")).contains("unknown platform 'linux/vax'");
        assertThat(given().get("/api/pipelines/gl-app").jsonPath().getString("project")).isEqualTo("org/app");
        given().contentType(ContentType.JSON).body(pipeline("gl-app", "gitlab", "org/app", "[\"main\"]"))
                .post("/api/pipelines").then().statusCode(409);
        given().delete("/api/pipelines/nope").then().statusCode(404);
    }

    private Response gitlabPush(String token, String ref, String commit) {
        String body = """
                {"object_kind": "push", "ref": "%s", "after": "%s",
                 "project": {"path_with_namespace": "org/app", "git_http_url": "%s"}}""".formatted(ref, commit, git.url());
        var request = given().contentType(ContentType.JSON).header("X-Gitlab-Event", "Push Hook").body(body);
        if (token != null) {
            request.header("X-Gitlab-Token", token);
        }
        return request.post("/hooks/gitlab");
    }

    private Response githubPush(String body, String signature) {
        var request = given().contentType(ContentType.JSON).header("X-GitHub-Event", "push")
                .header("X-GitHub-Delivery", UUID.randomUUID().toString()).body(body.getBytes(StandardCharsets.UTF_8));
        if (signature != null) {
            request.header("X-Hub-Signature-256", signature);
        }
        return request.post("/hooks/github");
    }

    private static String pipeline(String name, String provider, String project, String branches) {
        return """
                {"name": "%s", "provider": "%s", "project": "%s", "branches": %s,
                 "repository": "127.0.0.1:5000/hooked", "tagTemplate": "{branch}-{shortSha}",
                 "platforms": ["linux/amd64"], "timeoutSeconds": 900}""".formatted(name, provider, project, branches);
    }

    private static String hmac(String secret, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

}
