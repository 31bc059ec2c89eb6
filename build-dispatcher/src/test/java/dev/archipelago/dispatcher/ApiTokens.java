package dev.archipelago.dispatcher;

import io.quarkus.test.junit.callback.QuarkusTestBeforeEachCallback;
import io.quarkus.test.junit.callback.QuarkusTestMethodContext;
import io.restassured.RestAssured;
import io.restassured.filter.Filter;

/**
 * The static tokens of the test profile (application.properties keeps only their hashes), and
 * RestAssured calling as the admin when a request names no Authorization header itself: tests
 * about something else should not each repeat the token.
 */
public final class ApiTokens implements QuarkusTestBeforeEachCallback {

    static final String ADMIN = "test-admin-token";
    /** Submitter for 127.0.0.1:5000/team-a/*, 127.0.0.1:5000/shared/** and (by team-b) 127.0.0.1:5000/team-b/app. */
    static final String SUBMITTER = "test-submitter-token";
    static final String VIEWER = "test-viewer-token";

    static String bearer(String token) {
        return "Bearer " + token;
    }

    @Override
    public void beforeEach(QuarkusTestMethodContext context) {
        Filter adminUnlessSaid = (request, response, next) -> {
            if (!request.getHeaders().hasHeaderWithName("Authorization")) {
                request.header("Authorization", bearer(ADMIN));
            }
            return next.next(request, response);
        };
        RestAssured.replaceFiltersWith(adminUnlessSaid);
    }
}
