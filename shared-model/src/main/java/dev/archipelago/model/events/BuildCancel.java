package dev.archipelago.model.events;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.archipelago.model.Platform;

/**
 * Stops a build. Published by the dispatcher with header {@code archipelago-record-type: BuildCancel}
 * and the build id as key, in two places: on each unfinished platform's request topic, naming the
 * platform, where it lands in the same partition as the {@link ArchBuildRequest}, after it, at the
 * one worker group member that owns the build; and on the results topic without a platform, where
 * it tells the assembler that no index may be pushed for the build.
 */
public record BuildCancel(
        @JsonProperty(required = true) int schema,
        @JsonProperty(required = true) String buildId,
        @JsonProperty(required = true) int attempt,
        Platform platform,
        String reason,
        @JsonProperty(required = true) Instant requestedAt) {

    public BuildCancel {
        Schema.check(schema);
        Schema.requiredText(buildId, "buildId");
        Schema.required(requestedAt, "requestedAt");
    }
}
