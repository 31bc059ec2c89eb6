package dev.archipelago.dispatcher.rest;

import java.util.Locale;
import java.util.Optional;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses requests whose shape the API would otherwise guess at: a body without
 * {@code Content-Type: application/json} (or in a charset other than UTF-8), and query strings
 * that use {@code ;} as a separator, which the server would silently split.
 */
public class StrictRequestFilter {

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> check(ContainerRequestContext request) {
        String query = request.getUriInfo().getRequestUri().getRawQuery();
        if (query != null && query.contains(";")) {
            return Optional.of(ProblemMappers.problem(400, "Bad request",
                    "the query contains ';': separate query parameters with '&' and encode ';' in values as %3B", null));
        }
        if (hasBody(request)) {
            MediaType type = request.getMediaType();
            if (type == null) {
                return Optional.of(ProblemMappers.problem(415, "Unsupported Media Type",
                        "the body has no Content-Type: send it as application/json", null));
            }
            String charset = type.getParameters().get(MediaType.CHARSET_PARAMETER);
            if (charset != null && !charset.strip().toLowerCase(Locale.ROOT).replace("\"", "").equals("utf-8")) {
                return Optional.of(ProblemMappers.problem(415, "Unsupported Media Type",
                        "the body's charset is not UTF-8: send application/json in UTF-8", null));
            }
        }
        return Optional.empty();
    }

    private static boolean hasBody(ContainerRequestContext request) {
        String length = request.getHeaderString("Content-Length");
        if (length != null) {
            return !length.strip().equals("0");
        }
        return request.getHeaderString("Transfer-Encoding") != null;
    }
}
