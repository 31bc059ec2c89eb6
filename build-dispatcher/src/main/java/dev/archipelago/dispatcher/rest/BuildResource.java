package dev.archipelago.dispatcher.rest;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.jboss.resteasy.reactive.RestStreamElementType;

import dev.archipelago.dispatcher.repository.BuildState;
import dev.archipelago.dispatcher.security.RepositoryAccess;
import dev.archipelago.dispatcher.security.Roles;
import dev.archipelago.dispatcher.service.ApiProblem;
import dev.archipelago.dispatcher.service.BuildEvents;
import dev.archipelago.dispatcher.service.BuildService;
import dev.archipelago.dispatcher.service.BuildView;
import dev.archipelago.model.events.BuildRequest;
import dev.archipelago.model.json.EventDecodingException;
import dev.archipelago.model.json.EventJson;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;

/** The build API (build-dispatcher/README.md). Thin: parse, call the service, map. */
@Path("/api/builds")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
@RolesAllowed(Roles.VIEWER)
public class BuildResource {

    private final BuildService builds;
    private final BuildEvents events;
    private final RepositoryAccess access;
    private final SecurityIdentity caller;

    public BuildResource(BuildService builds, BuildEvents events, RepositoryAccess access, SecurityIdentity caller) {
        this.builds = builds;
        this.events = events;
        this.access = access;
        this.caller = caller;
    }

    @POST
    @RolesAllowed(Roles.SUBMITTER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a multi-architecture build", description = "Validates, pins the ref to a commit, stores the build and publishes one request per platform. Answers 202 with Location.")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = BuildRequest.class)))
    public Response submit(byte[] body) {
        BuildView view = builds.accept(parse(body), access.of(caller));
        return Response.accepted(view).location(URI.create("/api/builds/" + view.id())).build();
    }

    @GET
    @Operation(summary = "List builds, newest first")
    public List<BuildView> list(@QueryParam("state") String state, @QueryParam("limit") Integer limit) {
        return builds.list(state == null || state.isBlank() ? null : state(state), limit);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One build with its platforms and index")
    public BuildView get(@PathParam("id") String id) {
        return builds.get(id(id));
    }

    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "The build's state now, then each change, ending after the final state (Server-Sent Events)")
    public Multi<BuildView> events(@PathParam("id") String id) {
        return events.stream(id(id));
    }

    @POST
    @RolesAllowed(Roles.SUBMITTER)
    @Path("/{id}/retry")
    @Operation(summary = "Rebuild the platforms of a FAILED build that did not succeed, as the next attempt")
    public BuildView retry(@PathParam("id") String id) {
        return builds.retry(id(id), access.of(caller));
    }

    @POST
    @RolesAllowed(Roles.SUBMITTER)
    @Path("/{id}/cancel")
    @Operation(summary = "Cancel a build that has not finished; its workers are told to stop")
    public BuildView cancel(@PathParam("id") String id) {
        return builds.cancel(id(id), access.of(caller));
    }

    static BuildRequest parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw ApiProblem.badRequest("the body is empty; send a BuildRequest JSON object");
        }
        BodyLimitFilter.checkSize(body, BodyLimitFilter.MAX_BODY_BYTES);
        try {
            return EventJson.decode(body, BuildRequest.class);
        } catch (EventDecodingException e) {
            throw ApiProblem.badRequest(e.getMessage());
        }
    }

    private static UUID id(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            String shown = id.length() > 64 ? id.substring(0, 64) + "..." : id;
            throw ApiProblem.notFound("no build with id " + shown.replaceAll("\\p{Cntrl}", "?"));
        }
    }

    private static BuildState state(String state) {
        try {
            return BuildState.valueOf(state.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest("state '" + state + "' is unknown; use one of "
                    + Arrays.toString(BuildState.values()));
        }
    }
}
