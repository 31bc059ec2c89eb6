package dev.archipelago.dispatcher.service;

/** A request that cannot be accepted as it is; the detail says what to fix. Rendered as a problem response. */
public class InvalidRequestException extends RuntimeException {

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

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }
}
