package dev.archipelago.dispatcher.client;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.annotation.JsonProperty;

/** GitHub's commit status API: {@code POST /repos/:owner/:repo/statuses/:sha}. */
@Path("/repos/{owner}/{repo}/statuses/{sha}")
public interface GitHubStatusApi {

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    Response create(@PathParam("owner") String owner, @PathParam("repo") String repo, @PathParam("sha") String sha,
            @HeaderParam("Authorization") String authorization,
            @HeaderParam("Accept") String accept,
            @HeaderParam("X-GitHub-Api-Version") String apiVersion,
            Status status);

    /** {@code state}: pending, success, failure or error. */
    record Status(String state, @JsonProperty("target_url") String targetUrl, String description, String context) {
    }
}
