package dev.archipelago.dispatcher;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import java.nio.file.Path;
import java.util.List;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * OIDC access tokens, verified against the provider's published keys: roles and teams from the
 * token's groups, and the static tokens still answered beside them.
 */
@QuarkusTest
@TestProfile(OidcAuthTest.WithOidc.class)
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
class OidcAuthTest {

    /** OIDC on, against {@link OidcProvider}. */
    public static class WithOidc implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(OidcProvider.class));
        }
    }

    @InjectGitRepository
    ScratchGitRepository git;

    @Test
    void aViewerGroupReadsButMayNotBuild() throws Exception {
        String token = token("vera", List.of("viewer"), 300);
        given().header("Authorization", "Bearer " + token).get("/api/builds").then().statusCode(200);
        submit(token, "127.0.0.1:5000/team-b/app").then().statusCode(403).body("detail", containsString("role"));
    }

    @Test
    void aSubmitterBuildsForItsTeamsRepositoriesOnly() throws Exception {
        String token = token("sam", List.of("submitter", "team-b"), 300);
        submit(token, "127.0.0.1:5000/team-b/app").then().statusCode(202);
        submit(token, "127.0.0.1:5000/team-a/app").then().statusCode(403)
                .body("detail", containsString("sam may not build images for 127.0.0.1:5000/team-a/app"));
    }

    @Test
    void forgedAndExpiredTokensAreRefused() throws Exception {
        String issuer = ConfigProvider.getConfig().getValue("test.oidc.issuer", String.class);
        for (String token : List.of(OidcProvider.forgedToken(issuer, "mallory", List.of("admin")),
                token("old", List.of("admin"), -120))) {
            given().header("Authorization", "Bearer " + token).get("/api/builds").then().statusCode(401)
                    .header("WWW-Authenticate", containsString("Bearer"));
            submit(token, "127.0.0.1:5000/anything").then().statusCode(401);
        }
    }

    @Test
    void staticTokensStillWorkBesideOidc() {
        submit(ApiTokens.ADMIN, "quay.io/anyone/app").then().statusCode(202);
        submit(ApiTokens.SUBMITTER, "127.0.0.1:5000/other/app").then().statusCode(403);
    }

    private Response submit(String token, String repository) {
        return given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON).body("""
                {"source": {"git": "%s", "ref": "main"}, "image": {"repository": "%s", "tag": "v1"},
                 "platforms": ["linux/amd64"]}""".formatted(git.url(), repository)).post("/api/builds");
    }

    private static String token(String user, List<String> groups, int validSeconds) throws Exception {
        return OidcProvider.accessToken(Path.of(ConfigProvider.getConfig().getValue("test.oidc.key-file", String.class)),
                ConfigProvider.getConfig().getValue("test.oidc.issuer", String.class), user, groups, validSeconds);
    }
}
