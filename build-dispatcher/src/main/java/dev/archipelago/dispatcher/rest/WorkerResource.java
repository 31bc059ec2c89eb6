package dev.archipelago.dispatcher.rest;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import dev.archipelago.dispatcher.security.Roles;
import dev.archipelago.dispatcher.service.WorkerRegistry;
import io.smallrye.common.annotation.Blocking;

@Path("/api/workers")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
@RolesAllowed(Roles.VIEWER)
public class WorkerResource {

    private final WorkerRegistry workers;

    public WorkerResource(WorkerRegistry workers) {
        this.workers = workers;
    }

    @GET
    @Operation(summary = "Every worker that sent a heartbeat: platform, emulated, capacity, in flight, last seen, live or stale")
    public List<WorkerRegistry.WorkerView> list() {
        return workers.list();
    }
}
