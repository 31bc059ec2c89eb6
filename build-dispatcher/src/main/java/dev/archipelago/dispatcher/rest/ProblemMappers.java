package dev.archipelago.dispatcher.rest;

import java.util.UUID;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.archipelago.dispatcher.service.ApiProblem;
import dev.archipelago.dispatcher.service.Secrets;
import dev.archipelago.failure.Transience;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/** Turns every error of the API into an {@code application/problem+json} answer. */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response invalid(ApiProblem e, UriInfo uri) {
        return problem(e.status(), e.title(), e.getMessage(), uri);
    }

    @ServerExceptionMapper
    public Response unauthenticated(UnauthorizedException e, UriInfo uri) {
        return withChallenge(problem(401, "Unauthorized",
                "this endpoint needs a bearer token: send Authorization: Bearer <token>", uri));
    }

    @ServerExceptionMapper
    public Response unknownToken(AuthenticationFailedException e, UriInfo uri) {
        return withChallenge(problem(401, "Unauthorized", "the bearer token is not known or has expired", uri));
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return problem(403, "Forbidden", "the token's role may not do this: reading needs viewer, building needs submitter, "
                + "pipelines need admin", uri);
    }

    private static Response withChallenge(Response problem) {
        return Response.fromResponse(problem).header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        String title = e.getResponse().getStatusInfo().getReasonPhrase();
        String detail = switch (status) {
            case 404 -> "no such resource: " + uri.getPath();
            case 405 -> "method not allowed on " + uri.getPath();
            case 406 -> "this resource answers application/json (or text/event-stream for /events)";
            case 413 -> "the body is too large; the limit is 64 KiB (25 MiB for webhooks)";
            case 415 -> "send the body as application/json";
            default -> Secrets.mask(e.getMessage());
        };
        return problem(status, title, detail, uri);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        if (Transience.isTransient(e)) {
            Log.warnf("%s answered 503, a dependency is unavailable: %s", uri.getPath(), Secrets.mask(rootMessage(e)));
            return Response.fromResponse(problem(503, "Service unavailable", "a dependency of the dispatcher (its database or "
                    + "the broker) does not answer; nothing was changed; try again shortly", uri)).header("Retry-After", "5")
                    .build();
        }
        String incident = UUID.randomUUID().toString();
        Log.errorf(e, "incident %s on %s", incident, uri.getPath());
        return problem(500, "Internal error", "the dispatcher failed unexpectedly; its log names incident " + incident, uri);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }

    static Response problem(int status, String title, String detail, UriInfo uri) {
        return Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(status, title, detail, uri == null ? null : uri.getPath())).build();
    }
}
