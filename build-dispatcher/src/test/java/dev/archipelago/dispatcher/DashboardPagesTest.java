package dev.archipelago.dispatcher;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.archipelago.testsupport.KafkaBrokerResource;
import dev.archipelago.testsupport.PostgresDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The dashboard's addresses all serve its page, with headers that keep it from being framed or fed foreign scripts. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PostgresDatabaseResource.class)
@WithTestResource(GitRepositoryResource.class)
class DashboardPagesTest {

    @Test
    void everyViewHasAnAddressThatServesThePage() {
        for (String path : new String[] { "/", "/builds/" + UUID.randomUUID(), "/workers", "/submit" }) {
            given().get(path).then().statusCode(200).contentType(containsString("text/html"))
                    .header("Content-Security-Policy", containsString("default-src 'self'"))
                    .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                    .body(containsString("<script src=\"/dashboard/app.js\""));
        }
        given().get("/dashboard/app.js").then().statusCode(200).body(containsString("EventSource"))
                .body(not(containsString("innerHTML")));
        given().get("/dashboard/app.css").then().statusCode(200);
        given().get("/builds/not%20an%20id").then().statusCode(404);
        given().get("/nothing-here").then().statusCode(404);
    }
}
