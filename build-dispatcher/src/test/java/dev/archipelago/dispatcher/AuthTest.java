package dev.archipelago.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.testsupport.InjectKafkaClient;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** Bearer tokens with roles, and repository allowlists: who may read, build and configure what. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
class AuthTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    @InjectGitRepository
    ScratchGitRepository git;
    @InjectKafkaClient
    KafkaTestClient kafka;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TestHTTPResource("/")
    URI base;

    /** The management interface's root, {@code http://localhost:<port>/q/}. */
    @TestHTTPResource(value = "/", management = true)
    URI management;

    @Test
    void everyApiEndpointRefusesACallWithoutAKnownToken() throws Exception {
        String someBuild = "/api/builds/" + UUID.randomUUID();
        List<String[]> endpoints = List.of(
                new String[] { "GET", "/api/builds" }, new String[] { "GET", someBuild },
                new String[] { "GET", someBuild + "/events" },
                new String[] { "POST", "/api/builds" }, new String[] { "POST", someBuild + "/retry" },
                new String[] { "POST", someBuild + "/cancel" },
                new String[] { "GET", "/api/workers" }, new String[] { "GET", "/api/pipelines" },
                new String[] { "POST", "/api/pipelines" },
                new String[] { "GET", "/api/pipelines/p" }, new String[] { "PUT", "/api/pipelines/p" },
                new String[] { "DELETE", "/api/pipelines/p" });
        long builds = Counts.builds();
        for (String[] endpoint : endpoints) {
            for (String authorization : new String[] { null, "Bearer not-a-token", "Basic YWRtaW46YWRtaW4=", "Bearer ",
                    "bearer test-admin-token-" }) {
                HttpResponse<String> response = call(endpoint[0], endpoint[1], authorization,
                        request("127.0.0.1:5000/team-a/app"));
                String what = endpoint[0] + " " + endpoint[1] + " with " + authorization;
                assertThat(response.statusCode()).as(what).isEqualTo(401);
                assertThat(response.headers().firstValue("Content-Type")).as(what).hasValue("application/problem+json");
                assertThat(response.headers().firstValue("WWW-Authenticate")).as(what).hasValue("Bearer");
                assertThat(JSON.readTree(response.body()).path("detail").asText()).as(what).contains("bearer token");
            }
        }
        for (String operations : new String[] { "/q/metrics", "/q/openapi", "/q/health/ready" }) {
            assertThat(call("GET", operations, ApiTokens.bearer(ApiTokens.VIEWER), null).statusCode())
                    .as("%s is not served on the API port, even with a token", operations).isEqualTo(404);
        }
        assertThat(Counts.builds()).isEqualTo(builds);
    }

    @Test
    void theManagementPortTheDashboardPageAndWebhooksNeedNoBearerToken() throws Exception {
        for (String operations : new String[] { "health/live", "metrics", "openapi" }) {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(management.resolve(operations))
                            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("%s on the management port, which the Route does not expose", operations)
                    .isEqualTo(200);
        }
        assertThat(call("GET", "/", null, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/dashboard/app.js", null, null).statusCode()).isEqualTo(200);
        HttpResponse<String> hook = call("POST", "/hooks/github", null, "{}");
        assertThat(hook.headers().firstValue("WWW-Authenticate")).as("a webhook checks its own signature, not a bearer token")
                .isEmpty();
    }

    @Test
    void aViewerReadsButMayNotBuildOrConfigure() throws Exception {
        String viewer = ApiTokens.bearer(ApiTokens.VIEWER);
        String build = submitted(ApiTokens.ADMIN, "127.0.0.1:5000/team-a/viewer-read");
        assertThat(call("GET", "/api/builds", viewer, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/builds/" + build, viewer, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/workers", viewer, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/pipelines", viewer, null).statusCode()).isEqualTo(200);

        Before before = Before.now(kafka);
        for (String[] write : List.of(new String[] { "POST", "/api/builds" },
                new String[] { "POST", "/api/builds/" + build + "/cancel" },
                new String[] { "POST", "/api/pipelines" }, new String[] { "DELETE", "/api/pipelines/any" })) {
            HttpResponse<String> response = call(write[0], write[1], viewer, request("127.0.0.1:5000/team-a/app"));
            assertThat(response.statusCode()).as(write[1]).isEqualTo(403);
            assertThat(JSON.readTree(response.body()).path("detail").asText()).contains("role");
        }
        before.assertNothingWritten();
        assertThat(JSON.readTree(call("GET", "/api/builds/" + build, viewer, null).body()).path("state").asText())
                .as("the viewer's cancel changed nothing").isNotEqualTo("CANCELLED");
    }

    @Test
    void aSubmitterBuildsOnlyForTheRepositoriesItsPatternsAllow() throws Exception {
        for (String allowed : List.of("127.0.0.1:5000/team-a/app", "127.0.0.1:5000/shared/deep/down/app",
                "127.0.0.1:5000/team-b/app")) {
            HttpResponse<String> response = call("POST", "/api/builds", ApiTokens.bearer(ApiTokens.SUBMITTER),
                    request(allowed));
            assertThat(response.statusCode()).as(allowed + ": " + response.body()).isEqualTo(202);
        }
        String othersBuild = submitted(ApiTokens.ADMIN, "127.0.0.1:5000/other/running");
        Before before = Before.now(kafka);
        for (String refused : List.of("127.0.0.1:5000/team-a/nested/app", "127.0.0.1:5000/other/app",
                "127.0.0.1:5000/team-b/other",
                "quay.io/team-a/app", "127.0.0.1:5000/team-a")) {
            HttpResponse<String> response = call("POST", "/api/builds", ApiTokens.bearer(ApiTokens.SUBMITTER),
                    request(refused));
            assertThat(response.statusCode()).as(refused + ": " + response.body()).isEqualTo(403);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(JSON.readTree(response.body()).path("detail").asText())
                    .contains("token:test-submitter may not build images for " + refused).contains("127.0.0.1:5000/team-a/*");
        }
        // a directory from the CLI is pulled by the workers with their credentials: only from where the caller may push
        String foreignContext = "{\"source\": {\"bundle\": \"127.0.0.1:5000/other/contexts@sha256:" + "cd".repeat(32) + "\"}, "
                + "\"image\": {\"repository\": \"127.0.0.1:5000/team-a/app\", \"tag\": \"v1\"}, \"platforms\": [\"linux/amd64\"]}";
        HttpResponse<String> bundle = call("POST", "/api/builds", ApiTokens.bearer(ApiTokens.SUBMITTER), foreignContext);
        assertThat(bundle.statusCode()).as(bundle.body()).isEqualTo(403);
        assertThat(JSON.readTree(bundle.body()).path("detail").asText())
                .contains("may not build images for 127.0.0.1:5000/other/contexts");
        HttpResponse<String> cancel = call("POST", "/api/builds/" + othersBuild + "/cancel",
                ApiTokens.bearer(ApiTokens.SUBMITTER), null);
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(403);
        assertThat(call("POST", "/api/pipelines", ApiTokens.bearer(ApiTokens.SUBMITTER), "{}").statusCode()).isEqualTo(403);
        before.assertNothingWritten();
        assertThat(JSON.readTree(call("GET", "/api/builds/" + othersBuild, ApiTokens.bearer(ApiTokens.SUBMITTER), null).body())
                .path("state").asText()).isEqualTo("QUEUED");
        assertThat(call("POST", "/api/builds/" + othersBuild + "/cancel", ApiTokens.bearer(ApiTokens.ADMIN), null).statusCode())
                .isEqualTo(200);
    }

    @Test
    void anAdminBuildsForAnyRepositoryAndManagesPipelines() throws Exception {
        String admin = ApiTokens.bearer(ApiTokens.ADMIN);
        assertThat(call("POST", "/api/builds", admin, request("quay.io/anyone/app")).statusCode()).isEqualTo(202);
        String name = "auth-" + UUID.randomUUID().toString().substring(0, 8);
        String pipeline = """
                {"name": "%s", "provider": "gitlab", "project": "org/auth", "branches": ["main"],
                 "repository": "quay.io/anyone/app", "tagTemplate": "{branch}-{shortSha}",
                 "platforms": ["linux/amd64"], "timeoutSeconds": 900}""".formatted(name);
        HttpResponse<String> created = call("POST", "/api/pipelines", admin, pipeline);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(call("DELETE", "/api/pipelines/" + name, admin, null).statusCode()).isEqualTo(204);
    }

    private String submitted(String token, String repository) throws Exception {
        HttpResponse<String> response = call("POST", "/api/builds", ApiTokens.bearer(token), request(repository));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return JSON.readTree(response.body()).path("id").asText();
    }

    private String request(String repository) {
        return """
                {"source": {"git": "%s", "ref": "main"}, "image": {"repository": "%s", "tag": "v1"},
                 "platforms": ["linux/amd64", "linux/ppc64le"]}""".formatted(git.url(), repository);
    }

    private HttpResponse<String> call(String method, String path, String authorization, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                .header("Accept",
                        path.endsWith("/events") ? "text/event-stream" : path.startsWith("/api/") ? "application/json" : "*/*")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** What was stored and published before a refused call, to prove it wrote nothing. */
    private record Before(KafkaTestClient kafka, long builds, long outbox, long records) {
        static Before now(KafkaTestClient kafka) {
            return new Before(kafka, Counts.builds(), Counts.outbox(), Counts.requestRecords(kafka));
        }

        void assertNothingWritten() {
            assertThat(Counts.builds()).as("builds rows").isEqualTo(builds);
            assertThat(Counts.outbox()).as("outbox rows").isEqualTo(outbox);
            assertThat(Counts.requestRecords(kafka)).as("records on the request topics").isEqualTo(records);
        }
    }
}
