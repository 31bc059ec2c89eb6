package dev.archipelago.model.events;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.archipelago.model.Platform;
import dev.archipelago.model.SafeText;

/**
 * What happened to one platform's build: published by the worker on {@code archipelago.builds.results}.
 *
 * <p>
 * It repeats the request's source, image and platforms so that the assembler can join a
 * build's results and annotate its index without asking any other service.
 * {@code SUCCEEDED} carries {@link #artifact()}, {@code FAILED} carries {@link #error()}. A
 * {@code SUCCEEDED} with {@link #reusedFrom()} built nothing: an image of the same build key (same
 * content, Dockerfile, arguments, labels, platform and base digests) already existed, and the
 * worker gave it this build's tag and labels; {@code reusedFrom} names the build that made it.
 */
public record ArchBuildEvent(
        @JsonProperty(required = true) int schema,
        @JsonProperty(required = true) String buildId,
        @JsonProperty(required = true) int attempt,
        @JsonProperty(required = true) Platform platform,
        @JsonProperty(required = true) List<Platform> platforms,
        @JsonProperty(required = true) Type type,
        @JsonProperty(required = true) String workerId,
        boolean emulated,
        @JsonProperty(required = true) PinnedSource source,
        @JsonProperty(required = true) ImageTarget image,
        boolean allowPartial,
        @JsonProperty(required = true) int timeoutSeconds,
        @JsonProperty(required = true) Instant requestedAt,
        Artifact artifact,
        Durations durations,
        Integer filesVerified,
        Failure error,
        Builder builder,
        String reusedFrom,
        @JsonProperty(required = true) Instant occurredAt) {

    public enum Type {
        STARTED,
        SUCCEEDED,
        FAILED
    }

    /** The pushed per-platform manifest. */
    public record Artifact(
            @JsonProperty(required = true) String digest,
            @JsonProperty(required = true) String mediaType,
            @JsonProperty(required = true) long size) {
        public Artifact {
            Schema.requiredText(digest, "artifact.digest");
            Schema.requiredText(mediaType, "artifact.mediaType");
        }
    }

    /**
     * The worker settings that shape what a build produces, for its provenance: the executor
     * (buildah or a build pod), buildah's storage driver and isolation, whether the layer cache was
     * used, the manifest format.
     */
    public record Builder(String executor, String storageDriver, String isolation, boolean layerCache, String format) {
    }

    /** How long each phase took, in milliseconds. */
    public record Durations(long fetchMs, long buildMs, long verifyMs, long pushMs) {
        public long totalMs() {
            return fetchMs + buildMs + verifyMs + pushMs;
        }
    }

    /**
     * Why the build failed: a stable code, a message a person can act on, and the last lines of the
     * log (secrets masked). Both are made safe here ({@link SafeText}), whatever the build printed.
     */
    public record Failure(
            @JsonProperty(required = true) BuildErrorCode code,
            @JsonProperty(required = true) String message,
            List<String> logTail) {
        public Failure {
            Schema.required(code, "error.code");
            Schema.requiredText(message, "error.message");
            message = SafeText.message(message);
            logTail = logTail == null ? List.of() : SafeText.tail(logTail);
        }
    }

    public ArchBuildEvent {
        Schema.check(schema);
        Schema.requiredText(buildId, "buildId");
        if (attempt < 1) {
            throw new IllegalArgumentException("field 'attempt' must be 1 or more, was " + attempt);
        }
        Schema.required(platform, "platform");
        platforms = List.copyOf(Schema.required(platforms, "platforms"));
        Schema.required(type, "type");
        Schema.requiredText(workerId, "workerId");
        Schema.required(source, "source");
        Schema.required(image, "image");
        Schema.required(requestedAt, "requestedAt");
        Schema.required(occurredAt, "occurredAt");
        if (type == Type.SUCCEEDED && artifact == null) {
            throw new IllegalArgumentException("field 'artifact' is required when type is SUCCEEDED");
        }
        if (type == Type.FAILED && error == null) {
            throw new IllegalArgumentException("field 'error' is required when type is FAILED");
        }
        if (reusedFrom != null && type != Type.SUCCEEDED) {
            throw new IllegalArgumentException("field 'reused' is only for a SUCCEEDED result");
        }
    }

    /** The STARTED event for a request. */
    public static ArchBuildEvent started(ArchBuildRequest request, String workerId, boolean emulated, Instant at) {
        return of(request, Type.STARTED, workerId, emulated, null, null, null, null, null, null, at);
    }

    public static ArchBuildEvent succeeded(ArchBuildRequest request, String workerId, boolean emulated, Builder builder,
            Artifact artifact, Durations durations, int filesVerified, Instant at) {
        return of(request, Type.SUCCEEDED, workerId, emulated, artifact, durations, filesVerified, null, builder, null, at);
    }

    /** A SUCCEEDED that built nothing: the image of build {@code sourceBuildId}, tagged and labelled for this build. */
    public static ArchBuildEvent reused(ArchBuildRequest request, String workerId, boolean emulated, Builder builder,
            Artifact artifact, Durations durations, String sourceBuildId, Instant at) {
        return of(request, Type.SUCCEEDED, workerId, emulated, artifact, durations, null, null, builder,
                Schema.requiredText(sourceBuildId, "reusedFrom"), at);
    }

    public static ArchBuildEvent failed(ArchBuildRequest request, String workerId, boolean emulated,
            Failure failure, Durations durations, Instant at) {
        return of(request, Type.FAILED, workerId, emulated, null, durations, null, failure, null, null, at);
    }

    private static ArchBuildEvent of(ArchBuildRequest r, Type type, String workerId, boolean emulated, Artifact artifact,
            Durations durations, Integer filesVerified, Failure failure, Builder builder, String reusedFrom, Instant at) {
        return new ArchBuildEvent(Schema.CURRENT, r.buildId(), r.attempt(), r.platform(), r.platforms(), type, workerId,
                emulated, r.source(), r.image(), r.allowPartial(), r.timeoutSeconds(), r.requestedAt(), artifact,
                durations, filesVerified, failure, builder, reusedFrom, at);
    }

    /** Whether the platform built nothing and reused the image of build {@link #reusedFrom()}. */
    public boolean reused() {
        return reusedFrom != null;
    }
}
