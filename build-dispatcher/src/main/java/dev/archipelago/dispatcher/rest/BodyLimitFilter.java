package dev.archipelago.dispatcher.rest;

import java.util.Optional;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.archipelago.dispatcher.service.ApiProblem;

/**
 * Refuses bodies over the limit with a problem answer before they are read, when Content-Length
 * says so; the resources check bodies sent without a length ({@link #checkSize}). The API's limit
 * is 64 KiB; the webhooks take what the providers send (GitHub caps a delivery at 25 MB, and a
 * push of many commits passes 64 KiB easily).
 */
public class BodyLimitFilter {

    public static final long MAX_BODY_BYTES = 64 * 1024;
    public static final long MAX_WEBHOOK_BODY_BYTES = 25L * 1024 * 1024;

    /** For bodies sent without a length (chunked): refuses one over the limit once it has been read. */
    static void checkSize(byte[] body, long limit) {
        if (body != null && body.length > limit) {
            throw new ApiProblem(413, "Payload too large", tooLarge(body.length, limit));
        }
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> limit(ContainerRequestContext request) {
        String length = request.getHeaderString("Content-Length");
        if (length != null) {
            long limit = request.getUriInfo().getPath().startsWith("/hooks/") ? MAX_WEBHOOK_BODY_BYTES : MAX_BODY_BYTES;
            try {
                long declared = Long.parseLong(length.strip());
                if (declared > limit) {
                    return Optional.of(ProblemMappers.problem(413, "Payload too large", tooLarge(declared, limit), null));
                }
            } catch (NumberFormatException e) {
                return Optional.of(ProblemMappers.problem(400, "Bad request", "Content-Length is not a number", null));
            }
        }
        return Optional.empty();
    }

    private static String tooLarge(long size, long limit) {
        String readable = limit >= 1024 * 1024 ? limit / (1024 * 1024) + " MiB" : limit / 1024 + " KiB";
        return "the body has " + size + " bytes; the limit is " + readable + " (" + limit + " bytes)";
    }
}
