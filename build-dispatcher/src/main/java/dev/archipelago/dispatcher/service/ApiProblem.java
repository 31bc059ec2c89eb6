package dev.archipelago.dispatcher.service;

import dev.archipelago.failure.ClassifiedFailure;

/**
 * A problem with a request, as an HTTP status, a title and a detail that says what to fix:
 * bad input (400, 413, 422), not found (404), a conflict (409), a dependency that is down (503).
 * The REST layer renders it as a problem response (RFC 9457); on the submit topic it sends the
 * record to the dead-letter queue, unless it is transient (a git host that did not answer),
 * which the consumer waits out.
 */
public class ApiProblem extends RuntimeException implements ClassifiedFailure {

    private final int status;
    private final String title;

    public ApiProblem(int status, String title, String detail) {
        super(detail);
        this.status = status;
        this.title = title;
    }

    public static ApiProblem badRequest(String detail) {
        return new ApiProblem(400, "Invalid build request", detail);
    }

    public static ApiProblem conflict(String detail) {
        return new ApiProblem(409, "Conflict", detail);
    }

    public static ApiProblem notFound(String detail) {
        return new ApiProblem(404, "Not found", detail);
    }

    /** Not transient: the same request fails the same way until the caller changes it. */
    @Override
    public boolean isTransient() {
        return false;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }
}
