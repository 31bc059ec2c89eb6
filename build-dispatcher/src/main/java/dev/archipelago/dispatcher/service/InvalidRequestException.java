package dev.archipelago.dispatcher.service;

import dev.archipelago.failure.ClassifiedFailure;

/**
 * A request that cannot be accepted as it is; the detail says what to fix. Rendered as a problem
 * response; on the submit topic it sends the record to the dead-letter queue, unless it is
 * transient (a git host that did not answer), which the consumer waits out.
 */
public class InvalidRequestException extends RuntimeException implements ClassifiedFailure {

    private final int status;
    private final String title;

    public InvalidRequestException(int status, String title, String detail) {
        super(detail);
        this.status = status;
        this.title = title;
    }

    public static InvalidRequestException badRequest(String detail) {
        return new InvalidRequestException(400, "Invalid build request", detail);
    }

    public static InvalidRequestException conflict(String detail) {
        return new InvalidRequestException(409, "Conflict", detail);
    }

    public static InvalidRequestException notFound(String detail) {
        return new InvalidRequestException(404, "Not found", detail);
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
