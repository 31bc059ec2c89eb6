package dev.archipelago.dispatcher;

import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
class HealthTest {

    @Test
    void isLiveAndReadyWhenTheBrokerAnswers() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("build-dispatcher"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("Kafka connection health check"))
                .body("checks.name", hasItem("Database connections health check"));
    }

    @Test
    void servesMetricsOpenApiAndSwaggerUi() {
        String git = DispatcherFixture.repository().url();
        DispatcherFixture.submitOk(DispatcherFixture.tutorialRequest(git));

        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("archipelago_builds_accepted_total"))
                .body(containsString("kafka_producer"));
        given().get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/builds/{id}/events")).body(containsString("/hooks/github"));
        given().get("/q/swagger-ui/").then().statusCode(200);
    }
}
