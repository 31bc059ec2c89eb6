package dev.archipelago.model.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.archipelago.model.Platform;

import java.time.Instant;

/**
 * Asks the worker that holds a platform's build to stop it. Published by the dispatcher on the
 * same request topic and with the same key (the build id) as the {@link ArchBuildRequest}, so it
 * lands in the same partition, after the request, at the one worker group member that owns the
 * build. The record carries header {@code archipelago-record-type: BuildCancel}.
 */
public record BuildCancel(
        @JsonProperty(required = true) int schema,
        @JsonProperty(required = true) String buildId,
        @JsonProperty(required = true) int attempt,
        @JsonProperty(required = true) Platform platform,
        String reason,
        @JsonProperty(required = true) Instant requestedAt) {

    public BuildCancel {
        Schema.check(schema);
        Schema.requiredText(buildId, "buildId");
        Schema.required(platform, "platform");
        Schema.required(requestedAt, "requestedAt");
    }
}
