package dev.archipelago.dispatcher.client;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * GitLab's commit status API: {@code POST /projects/:id/statuses/:sha}. The project is its numeric
 * id or its path, which the client sends URL-encoded ({@code group%2Fapp}) as GitLab requires.
 */
@Path("/projects/{project}/statuses/{sha}")
public interface GitLabStatusApi {

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    Response create(@PathParam("project") String project, @PathParam("sha") String sha,
            @HeaderParam("PRIVATE-TOKEN") String token, Status status);

    /** {@code state}: pending, running, success, failed or canceled. */
    record Status(String state, String name, @JsonProperty("target_url") String targetUrl, String description) {
    }
}
