package dev.archipelago.dispatcher;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static dev.archipelago.model.Platform.LINUX_AMD64;
import static dev.archipelago.model.Platform.LINUX_PPC64LE;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.LogCapture;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * Commit statuses written to stand-ins of the GitLab and GitHub APIs (WireMock on a free loopback
 * port): the exact requests with their token headers, the states a build goes through, retries of a
 * flaky API, and a dead API that never fails the build. No token may appear in any log line.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
@WithTestResource(CommitStatusTest.StatusApis.class)
class CommitStatusTest {

    static final String GITLAB_TOKEN = "glpat-statusMarker-5c2e9a";
    static final String GITHUB_TOKEN = "ghp_statusMarker_7d41b0";
    static final String FLAKY_TOKEN = "glpat-flakyMarker-03f1";
    static final String DOWN_TOKEN = "glpat-downMarker-8be2";
    static final String WEBHOOK_TOKEN = "gl-hook-statusMarker-11aa";
    static final String PUBLIC_URL = "http://archipelago.example";

    /** Marks the field that receives the stand-in API server. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    @interface StatusApisServer {
    }

    /** One WireMock server playing GitLab (/gitlab), GitHub (/github), a flaky GitLab (/flaky) and a dead one (/down). */
    public static class StatusApis implements QuarkusTestResourceLifecycleManager {
        private WireMockServer server;

        @Override
        public Map<String, String> start() {
            server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
            server.start();
            var created = aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody("{}");
            server.stubFor(post(urlPathMatching("/gitlab/api/v4/projects/.+/statuses/.+")).willReturn(created));
            server.stubFor(post(urlPathMatching("/github/repos/.+/.+/statuses/.+")).willReturn(created));
            server.stubFor(post(urlPathMatching("/flaky/.*")).inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                    .willReturn(aResponse().withStatus(503)).willSetStateTo("recovered"));
            server.stubFor(post(urlPathMatching("/flaky/.*")).inScenario("flaky").whenScenarioStateIs("recovered")
                    .willReturn(created));
            server.stubFor(post(urlPathMatching("/down/.*")).willReturn(aResponse().withStatus(502)));
            String base = server.baseUrl();
            Map<String, String> config = new HashMap<>();
            target(config, "gitlab", "gitlab", base + "/gitlab/api/v4", GITLAB_TOKEN);
            target(config, "github", "github", base + "/github", GITHUB_TOKEN);
            target(config, "flaky", "gitlab", base + "/flaky", FLAKY_TOKEN);
            target(config, "down", "gitlab", base + "/down", DOWN_TOKEN);
            config.put("archipelago.dispatcher.commit-status.retry-delay", "50ms");
            config.put("archipelago.dispatcher.commit-status.sweep-interval", "1s");
            config.put("archipelago.dispatcher.public-url", PUBLIC_URL + "/");
            config.put("archipelago.dispatcher.webhooks.gitlab-token", WEBHOOK_TOKEN);
            return config;
        }

        private static void target(Map<String, String> config, String name, String provider, String url, String token) {
            String prefix = "archipelago.dispatcher.commit-status.targets." + name + ".";
            config.put(prefix + "provider", provider);
            config.put(prefix + "api-url", url);
            config.put(prefix + "token", token);
        }

        @Override
        public void inject(TestInjector injector) {
            injector.injectIntoFields(server,
                    new TestInjector.AnnotatedAndMatchesType(StatusApisServer.class, WireMockServer.class));
        }

        @Override
        public void stop() {
            if (server != null) {
                server.stop();
            }
        }
    }

    @StatusApisServer
    WireMockServer apis;

    @InjectGitRepository
    ScratchGitRepository git;
    @InjectKafkaClient
    KafkaTestClient kafka;
    @RegisterExtension
    static final LogCapture logs = new LogCapture();

    @AfterAll
    static void noTokenWasLogged() {
        try {
            for (String token : List.of(GITLAB_TOKEN, GITHUB_TOKEN, FLAKY_TOKEN, DOWN_TOKEN, WEBHOOK_TOKEN)) {
                assertThat(logs.linesContaining(token)).as("log lines with a token").isEmpty();
            }
        } finally {
        }
    }

    @Test
    void aGitLabPushReportsPendingRunningAndSuccessOnItsCommitWithALinkToTheBuild() {
        given().contentType(ContentType.JSON).body("""
                {"name": "gl-status", "provider": "gitlab", "project": "org/app", "branches": ["main"],
                 "repository": "127.0.0.1:5000/hooked", "tagTemplate": "{branch}-{shortSha}",
                 "platforms": ["linux/amd64", "linux/ppc64le"], "timeoutSeconds": 900}""").post("/api/pipelines")
                .then().statusCode(201);
        Response pushed = given().contentType(ContentType.JSON).header("X-Gitlab-Event", "Push Hook")
                .header("X-Gitlab-Token", WEBHOOK_TOKEN)
                .body("""
                        {"object_kind": "push", "ref": "refs/heads/main", "after": "%s",
                         "project": {"path_with_namespace": "org/app", "git_http_url": "%s"}}""".formatted(git.head(),
                        git.url()))
                .post("/hooks/gitlab");
        assertThat(pushed.statusCode()).as(pushed.asString()).isEqualTo(202);
        String id = pushed.jsonPath().getString("builds[0]");
        String path = "/gitlab/api/v4/projects/org%2Fapp/statuses/" + git.head();

        List<LoggedRequest> pending = awaitStates(id, List.of("pending"));
        LoggedRequest first = pending.get(0);
        assertThat(first.getUrl()).isEqualTo(path);
        assertThat(first.getHeader("PRIVATE-TOKEN")).isEqualTo(GITLAB_TOKEN);
        JsonNode body = json(first);
        assertThat(body.path("name").asText()).isEqualTo("archipelago");
        assertThat(body.path("target_url").asText()).isEqualTo(PUBLIC_URL + "/builds/" + id);
        assertThat(body.path("description").asText()).isEqualTo("queued: linux/amd64, linux/ppc64le");

        ArchBuildRequest amd64 = DispatcherFixture.request(kafka, id, LINUX_AMD64, 1);
        ArchBuildRequest ppc64le = DispatcherFixture.request(kafka, id, LINUX_PPC64LE, 1);
        DispatcherFixture.publish(kafka, DispatcherFixture.started(amd64));
        awaitStates(id, List.of("pending", "running"));

        DispatcherFixture.publish(kafka, DispatcherFixture.succeeded(amd64, DispatcherFixture.DIGEST_AMD64));
        DispatcherFixture.publish(kafka, DispatcherFixture.succeeded(ppc64le, DispatcherFixture.DIGEST_PPC64LE));
        DispatcherFixture.publish(kafka, DispatcherFixture.indexPushed(id, 1));
        List<LoggedRequest> all = awaitStates(id, List.of("pending", "running", "success"));
        assertThat(all).allSatisfy(r -> assertThat(r.getUrl()).isEqualTo(path));
        assertThat(json(all.get(2)).path("description").asText())
                .isEqualTo(
                        "pushed 127.0.0.1:5000/hooked:main-" + git.head().substring(0, 7) + " for linux/amd64, linux/ppc64le");
        assertThat(DispatcherFixture.state(id)).isEqualTo("SUCCEEDED");
    }

    @Test
    void aGitHubRepositoryNamedInTheRequestGetsPendingThenFailureWithTheReason() {
        String id = DispatcherFixture.submitOk(request("github", "owner/app"));
        List<LoggedRequest> pending = awaitStates(id, List.of("pending"));
        LoggedRequest first = pending.get(0);
        assertThat(first.getUrl()).isEqualTo("/github/repos/owner/app/statuses/" + git.head());
        assertThat(first.getHeader("Authorization")).isEqualTo("Bearer " + GITHUB_TOKEN);
        assertThat(first.getHeader("Accept")).isEqualTo("application/vnd.github+json");
        assertThat(first.getHeader("X-GitHub-Api-Version")).isEqualTo("2022-11-28");
        assertThat(json(first).path("context").asText()).isEqualTo("archipelago");
        assertThat(json(first).path("target_url").asText()).isEqualTo(PUBLIC_URL + "/builds/" + id);

        ArchBuildRequest ppc64le = DispatcherFixture.request(kafka, id, LINUX_PPC64LE, 1);
        DispatcherFixture.publish(kafka, DispatcherFixture.failed(ppc64le, BuildErrorCode.BUILD_FAILED, "RUN make failed"));
        DispatcherFixture.publish(kafka, DispatcherFixture.failedOutcome(id, 1, LINUX_PPC64LE, BuildErrorCode.BUILD_FAILED));

        await().atMost(Duration.ofSeconds(30)).until(() -> states(id).contains("failure"));
        List<String> states = states(id);
        assertThat(states.get(states.size() - 1)).isEqualTo("failure");
        assertThat(states).containsOnly("pending", "failure");
        LoggedRequest last = statuses(id).get(states.size() - 1);
        assertThat(json(last).path("description").asText()).contains("linux/ppc64le").contains("BUILD_FAILED");
        String api = given().get("/api/builds/" + id).asString();
        assertThat(api).doesNotContain(GITHUB_TOKEN);
    }

    @Test
    void aFlakyApiIsRetriedAndADeadOneNeverFailsTheBuild() {
        String flaky = DispatcherFixture.submitOk(request("flaky", "group/app"));
        await().atMost(Duration.ofSeconds(30)).until(() -> calls("/flaky/", flaky).size() >= 2);
        List<LoggedRequest> tries = calls("/flaky/", flaky);
        assertThat(tries).as("one 503, then one 201").hasSize(2);
        assertThat(tries).allSatisfy(r -> assertThat(r.getHeader("PRIVATE-TOKEN")).isEqualTo(FLAKY_TOKEN));

        String down = DispatcherFixture.submitOk(request("down", "group/app"));
        given().post("/api/builds/" + down + "/cancel").then().statusCode(200);
        // each report makes 3 calls; the sweep (every second here) tries again
        await().atMost(Duration.ofSeconds(30)).until(() -> calls("/down/", down).size() >= 6);
        assertThat(DispatcherFixture.state(down)).isEqualTo("CANCELLED");
        assertThat(logs.linesContaining("build " + down + ": commit status"))
                .anySatisfy(line -> assertThat(line).contains("not reported").contains("HTTP 502"));
        given().post("/api/builds/" + flaky + "/cancel").then().statusCode(200);
    }

    private String request(String target, String project) {
        return """
                {"source": {"git": "%s", "ref": "main"},
                 "image": {"repository": "127.0.0.1:5000/statuses", "tag": "v1"},
                 "platforms": ["linux/amd64", "linux/ppc64le"], "timeoutSeconds": 600,
                 "commitStatus": {"target": "%s", "project": "%s"}}""".formatted(git.url(), target, project);
    }

    /** Waits until the build's statuses so far are exactly {@code expected}, in order; returns their requests. */
    private List<LoggedRequest> awaitStates(String id, List<String> expected) {
        await().atMost(Duration.ofSeconds(30)).until(() -> states(id).size() >= expected.size());
        assertThat(states(id)).isEqualTo(expected);
        return statuses(id);
    }

    private List<String> states(String id) {
        return statuses(id).stream().map(r -> json(r).path("state").asText()).toList();
    }

    /** The status calls that link to the build, oldest first. */
    private List<LoggedRequest> statuses(String id) {
        return calls("/", id);
    }

    private List<LoggedRequest> calls(String pathPrefix, String id) {
        List<LoggedRequest> requests = new ArrayList<>(apis.getAllServeEvents().stream().map(e -> e.getRequest())
                .filter(r -> r.getUrl().startsWith(pathPrefix) && r.getBodyAsString().contains("/builds/" + id + "\""))
                .toList());
        requests.sort(Comparator.comparing(LoggedRequest::getLoggedDate));
        return requests;
    }

    private static JsonNode json(LoggedRequest request) {
        try {
            return EventJson.mapper().readTree(request.getBodyAsString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
