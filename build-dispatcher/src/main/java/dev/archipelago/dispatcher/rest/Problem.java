package dev.archipelago.dispatcher.rest;

/** An RFC 9457 problem detail; {@code detail} says what to fix. */
public record Problem(String type, String title, int status, String detail, String instance) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(int status, String title, String detail, String instance) {
        return new Problem("about:blank", title, status, detail, instance);
    }
}
