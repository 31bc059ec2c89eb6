package dev.archipelago.model.events;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.archipelago.model.Platform;

/**
 * One platform's share of a build, published by the dispatcher on that platform's request topic.
 * It carries everything the worker needs and, through the worker's results, the assembler too.
 * {@code rebuild: true} asks the worker to build even when an image of the same build key exists;
 * absent, it may reuse that image.
 */
public record ArchBuildRequest(
        @JsonProperty(required = true) int schema,
        @JsonProperty(required = true) String buildId,
        @JsonProperty(required = true) int attempt,
        @JsonProperty(required = true) Platform platform,
        @JsonProperty(required = true) List<Platform> platforms,
        @JsonProperty(required = true) PinnedSource source,
        @JsonProperty(required = true) ImageTarget image,
        Map<String, String> buildArgs,
        Map<String, String> labels,
        @JsonProperty(required = true) int timeoutSeconds,
        boolean allowPartial,
        @JsonProperty(required = true) Instant requestedAt,
        Boolean rebuild) {

    public ArchBuildRequest {
        Schema.check(schema);
        Schema.requiredText(buildId, "buildId");
        if (attempt < 1) {
            throw new IllegalArgumentException("field 'attempt' must be 1 or more, was " + attempt);
        }
        Schema.required(platform, "platform");
        platforms = List.copyOf(Schema.required(platforms, "platforms"));
        if (!platforms.contains(platform)) {
            throw new IllegalArgumentException("field 'platform' (" + platform + ") is not one of 'platforms' " + platforms);
        }
        Schema.required(source, "source");
        Schema.required(image, "image");
        buildArgs = buildArgs == null ? Map.of() : new TreeMap<>(buildArgs);
        labels = labels == null ? Map.of() : new TreeMap<>(labels);
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("field 'timeoutSeconds' must be positive, was " + timeoutSeconds);
        }
        Schema.required(requestedAt, "requestedAt");
        rebuild = Boolean.TRUE.equals(rebuild) ? Boolean.TRUE : null;
    }

    /** Whether the request asks for a build even where an image of the same build key exists. */
    public boolean rebuildAsked() {
        return Boolean.TRUE.equals(rebuild);
    }
}
