package dev.archipelago.dispatcher.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.dispatcher.config.DispatcherConfig;
import dev.archipelago.dispatcher.service.ApiProblem;
import dev.archipelago.dispatcher.service.BuildView;
import dev.archipelago.dispatcher.service.PipelineService;
import dev.archipelago.model.json.EventJson;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;

/**
 * GitLab and GitHub push webhooks. The token or signature is checked in constant time before the
 * body is read as JSON; a wrong one gets 401 and creates nothing. A push to a branch that a
 * pipeline maps starts a build of exactly the pushed commit. No bearer token: the signature is the
 * caller's proof, and the pipeline (created by an admin) says where its builds push.
 */
@PermitAll
@Path("/hooks")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class WebhookResource {

    private static final String ZERO_COMMIT = "0000000000000000000000000000000000000000";

    private final PipelineService pipelines;
    private final DispatcherConfig config;

    public WebhookResource(PipelineService pipelines, DispatcherConfig config) {
        this.pipelines = pipelines;
        this.config = config;
    }

    /** What a delivery led to. */
    public record Delivery(List<String> builds, String note) {
    }

    @POST
    @Path("/gitlab")
    @Operation(summary = "GitLab push hook (X-Gitlab-Token)")
    public Response gitlab(@HeaderParam("X-Gitlab-Token") String token, @HeaderParam("X-Gitlab-Event") String event,
            byte[] body) {
        String expected = configured(config.webhooks().gitlabToken(), "GitLab", "ARCHIPELAGO_DISPATCHER_WEBHOOKS_GITLAB_TOKEN");
        if (token == null
                || !constantTimeEquals(token.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
            Log.warn("GitLab webhook refused: X-Gitlab-Token missing or wrong");
            throw new ApiProblem(401, "Unauthorized", "X-Gitlab-Token is missing or does not match");
        }
        if (!"Push Hook".equals(event)) {
            return ignored("event '" + event + "' is not a push; only Push Hook starts builds");
        }
        JsonNode json = parse(body);
        String commit = json.path("after").asText();
        if (commit.equals(ZERO_COMMIT)) {
            return ignored("the push deleted the branch");
        }
        return started(new PipelineService.Push("gitlab", json.path("project").path("path_with_namespace").asText(),
                json.path("project").path("git_http_url").asText(), branch(json.path("ref").asText()), commit, null));
    }

    @POST
    @Path("/github")
    @Operation(summary = "GitHub push webhook (X-Hub-Signature-256)")
    public Response github(@HeaderParam("X-Hub-Signature-256") String signature, @HeaderParam("X-GitHub-Event") String event,
            @HeaderParam("X-GitHub-Delivery") String delivery, byte[] body) {
        String secret = configured(config.webhooks().githubSecret(), "GitHub", "ARCHIPELAGO_DISPATCHER_WEBHOOKS_GITHUB_SECRET");
        String expected = "sha256=" + hmacSha256(secret, body == null ? new byte[0] : body);
        if (signature == null
                || !constantTimeEquals(signature.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
            Log.warn("GitHub webhook refused: X-Hub-Signature-256 missing or wrong");
            throw new ApiProblem(401, "Unauthorized", "X-Hub-Signature-256 is missing or does not match the body");
        }
        if ("ping".equals(event)) {
            return Response.ok(new Delivery(List.of(), "pong")).build();
        }
        if (!"push".equals(event)) {
            return ignored("event '" + event + "' is not a push");
        }
        JsonNode json = parse(body);
        if (json.path("deleted").asBoolean(false) || json.path("after").asText().equals(ZERO_COMMIT)) {
            return ignored("the push deleted the branch");
        }
        return started(new PipelineService.Push("github", json.path("repository").path("full_name").asText(),
                json.path("repository").path("clone_url").asText(), branch(json.path("ref").asText()),
                json.path("after").asText(), delivery));
    }

    private Response started(PipelineService.Push push) {
        if (push.branch() == null) {
            return ignored("not a branch push");
        }
        List<BuildView> builds = pipelines.onPush(push);
        if (builds.isEmpty()) {
            return ignored("no pipeline maps " + push.project() + " branch " + push.branch());
        }
        return Response.accepted(new Delivery(builds.stream().map(b -> b.id().toString()).toList(), null)).build();
    }

    private static Response ignored(String why) {
        return Response.ok(new Delivery(List.of(), why)).build();
    }

    private static String branch(String ref) {
        return ref.startsWith("refs/heads/") ? ref.substring("refs/heads/".length()) : null;
    }

    private static JsonNode parse(byte[] body) {
        BodyLimitFilter.checkSize(body, BodyLimitFilter.MAX_WEBHOOK_BODY_BYTES);
        try {
            JsonNode json = EventJson.mapper().readTree(body == null ? new byte[0] : body);
            if (json == null || !json.isObject()) {
                throw ApiProblem.badRequest("the webhook body is not a JSON object");
            }
            return json;
        } catch (IOException e) {
            throw ApiProblem.badRequest("the webhook body is not JSON: " + e.getMessage());
        }
    }

    private static String configured(Optional<String> secret, String provider, String variable) {
        return secret.filter(s -> !s.isBlank()).orElseThrow(() -> new ApiProblem(503, "Not configured",
                provider + " webhooks are off on this dispatcher: set " + variable));
    }

    /** Compares digests of both sides, so the time taken says nothing about where they differ or how long the secret is. */
    static boolean constantTimeEquals(byte[] given, byte[] expected) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] a = sha.digest(given);
            byte[] b = sha.digest(expected);
            return MessageDigest.isEqual(a, b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hmacSha256(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

}
