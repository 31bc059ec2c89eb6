package dev.archipelago.dispatcher.rest;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Optional;

/**
 * Refuses bodies over 64 KiB with a problem answer before they are read, when Content-Length
 * says so; the resources check bodies sent without a length ({@link #checkSize}).
 */
public class BodyLimitFilter {

    public static final long MAX_BODY_BYTES = 64 * 1024;

    /** For bodies sent without a length (chunked): refuses one over the limit once it has been read. */
    static void checkSize(byte[] body) {
        if (body != null && body.length > MAX_BODY_BYTES) {
            throw new dev.archipelago.dispatcher.service.InvalidRequestException(413, "Payload too large",
                    "the body has " + body.length + " bytes; the limit is 64 KiB (65536 bytes)");
        }
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> limit(ContainerRequestContext request) {
        String length = request.getHeaderString("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > MAX_BODY_BYTES) {
                    return Optional.of(ProblemMappers.problem(413, "Payload too large",
                            "the body has " + length.strip() + " bytes; the limit is 64 KiB (65536 bytes)", null));
                }
            } catch (NumberFormatException e) {
                return Optional.of(ProblemMappers.problem(400, "Bad request", "Content-Length is not a number", null));
            }
        }
        return Optional.empty();
    }
}
