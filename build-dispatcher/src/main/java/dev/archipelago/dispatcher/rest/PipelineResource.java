package dev.archipelago.dispatcher.rest;

import java.net.URI;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

import dev.archipelago.dispatcher.security.Roles;
import dev.archipelago.dispatcher.service.ApiProblem;
import dev.archipelago.dispatcher.service.PipelineDefinition;
import dev.archipelago.dispatcher.service.PipelineService;
import dev.archipelago.model.json.EventDecodingException;
import dev.archipelago.model.json.EventJson;
import io.smallrye.common.annotation.Blocking;

/** Which repositories' pushes build which images: the configuration the webhooks use. */
@Path("/api/pipelines")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
@RolesAllowed(Roles.VIEWER)
public class PipelineResource {

    private final PipelineService pipelines;

    public PipelineResource(PipelineService pipelines) {
        this.pipelines = pipelines;
    }

    @GET
    public List<PipelineDefinition> list() {
        return pipelines.list();
    }

    @GET
    @Path("/{name}")
    public PipelineDefinition get(@PathParam("name") String name) {
        return pipelines.get(name);
    }

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a pipeline; checked by planning the build a push would make")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = PipelineDefinition.class)))
    public Response create(byte[] body) {
        PipelineDefinition saved = pipelines.save(parse(body), true);
        return Response.created(URI.create("/api/pipelines/" + saved.name())).entity(saved).build();
    }

    @PUT
    @RolesAllowed(Roles.ADMIN)
    @Path("/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = PipelineDefinition.class)))
    public PipelineDefinition replace(@PathParam("name") String name, byte[] body) {
        PipelineDefinition definition = parse(body);
        if (!definition.name().equals(name)) {
            throw ApiProblem.badRequest("the body names pipeline '" + definition.name() + "' but the path '" + name + "'");
        }
        return pipelines.save(definition, false);
    }

    @DELETE
    @RolesAllowed(Roles.ADMIN)
    @Path("/{name}")
    public Response delete(@PathParam("name") String name) {
        pipelines.delete(name);
        return Response.noContent().build();
    }

    private static PipelineDefinition parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw ApiProblem.badRequest("the body is empty; send a pipeline JSON object");
        }
        BodyLimitFilter.checkSize(body, BodyLimitFilter.MAX_BODY_BYTES);
        try {
            return EventJson.decode(body, PipelineDefinition.class);
        } catch (EventDecodingException e) {
            throw ApiProblem.badRequest(e.getMessage());
        }
    }
}
