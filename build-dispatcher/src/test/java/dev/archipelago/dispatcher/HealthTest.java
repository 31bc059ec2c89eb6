package dev.archipelago.dispatcher;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.net.URL;

import org.junit.jupiter.api.Test;

import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** Health, metrics and the OpenAPI document answer on the management port, and only there. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
class HealthTest {

    /** The management interface's root, {@code http://localhost:<port>/q/}. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    void isLiveAndReadyWhenTheBrokerAnswers() {
        given().baseUri(management.toString()).get("health/live").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("build-dispatcher"));
        given().baseUri(management.toString()).get("health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("Kafka connection health check"))
                .body("checks.name", hasItem("Database connections health check"));
    }

    @Test
    void servesMetricsAndOpenApiOnTheManagementPortNotOnTheApiPort() {
        String git = DispatcherFixture.repository().url();
        DispatcherFixture.submitOk(DispatcherFixture.tutorialRequest(git));

        given().baseUri(management.toString()).get("metrics").then().statusCode(200)
                .body(containsString("archipelago_builds_accepted_total"))
                .body(containsString("kafka_producer"));
        given().baseUri(management.toString()).get("openapi").then().statusCode(200)
                .body(containsString("/api/builds/{id}/events")).body(containsString("/hooks/github"));
        given().baseUri(management.toString()).get("swagger-ui/").then().statusCode(200);
        for (String path : new String[] { "/q/health/ready", "/q/metrics", "/q/openapi", "/q/swagger-ui/" }) {
            given().get(path).then().statusCode(404);
        }
    }
}
