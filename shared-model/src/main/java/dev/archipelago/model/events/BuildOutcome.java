package dev.archipelago.model.events;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.archipelago.model.Platform;
import dev.archipelago.model.SafeText;

/**
 * How a build ended at the assembler: published on {@code archipelago.builds.outcomes}.
 * {@code INDEX_PUSHED} carries {@link #index()}; {@code FAILED} carries {@link #error()} and,
 * where platforms failed, {@link #failedPlatforms()}. A partial index names what it lacks in
 * {@link #missingPlatforms()}.
 */
public record BuildOutcome(
        @JsonProperty(required = true) int schema,
        @JsonProperty(required = true) String buildId,
        @JsonProperty(required = true) int attempt,
        @JsonProperty(required = true) Type type,
        Index index,
        List<Platform> missingPlatforms,
        List<PlatformFailure> failedPlatforms,
        Error error,
        @JsonProperty(required = true) Instant occurredAt) {

    public enum Type {
        INDEX_PUSHED,
        FAILED
    }

    /** The pushed index. */
    public record Index(
            @JsonProperty(required = true) String repository,
            @JsonProperty(required = true) List<String> tags,
            @JsonProperty(required = true) String digest,
            @JsonProperty(required = true) String mediaType,
            long size,
            @JsonProperty(required = true) List<Child> children,
            List<Attestation> attestations,
            List<String> warnings) {
        public Index {
            Schema.requiredText(repository, "index.repository");
            tags = List.copyOf(Schema.required(tags, "index.tags"));
            Schema.requiredText(digest, "index.digest");
            Schema.requiredText(mediaType, "index.mediaType");
            children = List.copyOf(Schema.required(children, "index.children"));
            attestations = attestations == null ? List.of() : List.copyOf(attestations);
            warnings = warnings == null ? List.of() : warnings.stream().map(SafeText::message).toList();
        }
    }

    /**
     * Something attached beside an image of the build (never inside the index): a provenance
     * statement, an SBOM or a signature. {@code subject} is the digest it describes, {@code platform}
     * that image's platform (absent for the index), {@code digest} the artifact's own manifest and
     * {@code tag} where it is found: the referrers fallback tag, or cosign's {@code .sig} tag.
     */
    public record Attestation(
            @JsonProperty(required = true) Kind kind,
            Platform platform,
            @JsonProperty(required = true) String subject,
            @JsonProperty(required = true) String digest,
            @JsonProperty(required = true) String artifactType,
            @JsonProperty(required = true) String tag) {

        public enum Kind {
            PROVENANCE,
            SBOM,
            SIGNATURE
        }

        public Attestation {
            Schema.required(kind, "attestations.kind");
            Schema.requiredText(subject, "attestations.subject");
            Schema.requiredText(digest, "attestations.digest");
            Schema.requiredText(artifactType, "attestations.artifactType");
            Schema.requiredText(tag, "attestations.tag");
        }
    }

    /** One entry of the index. */
    public record Child(
            @JsonProperty(required = true) Platform platform,
            @JsonProperty(required = true) String digest,
            @JsonProperty(required = true) String mediaType,
            long size,
            boolean emulated) {
        public Child {
            Schema.required(platform, "children.platform");
            Schema.requiredText(digest, "children.digest");
            Schema.requiredText(mediaType, "children.mediaType");
        }
    }

    /** A platform that failed, with its worker's code and message. */
    public record PlatformFailure(
            @JsonProperty(required = true) Platform platform,
            @JsonProperty(required = true) BuildErrorCode code,
            String message) {
        public PlatformFailure {
            message = SafeText.message(message);
        }
    }

    /** Why the build failed as a whole. */
    public record Error(
            @JsonProperty(required = true) BuildErrorCode code,
            @JsonProperty(required = true) String message) {
        public Error {
            Schema.required(code, "error.code");
            Schema.requiredText(message, "error.message");
            message = SafeText.message(message);
        }
    }

    public BuildOutcome {
        Schema.check(schema);
        Schema.requiredText(buildId, "buildId");
        Schema.required(type, "type");
        missingPlatforms = missingPlatforms == null ? List.of() : List.copyOf(missingPlatforms);
        failedPlatforms = failedPlatforms == null ? List.of() : List.copyOf(failedPlatforms);
        Schema.required(occurredAt, "occurredAt");
        if (type == Type.INDEX_PUSHED && index == null) {
            throw new IllegalArgumentException("field 'index' is required when type is INDEX_PUSHED");
        }
        if (type == Type.FAILED && error == null) {
            throw new IllegalArgumentException("field 'error' is required when type is FAILED");
        }
    }

    /** The index is pushed; {@code missing} names the platforms a partial index lacks. */
    public static BuildOutcome indexPushed(String buildId, int attempt, Index index, List<Platform> missing, Instant at) {
        return new BuildOutcome(Schema.CURRENT, buildId, attempt, Type.INDEX_PUSHED, index, missing, List.of(), null, at);
    }

    /**
     * The build failed: {@code error} says why, {@code failedPlatforms} which platforms failed (none when the index push did).
     */
    public static BuildOutcome failed(String buildId, int attempt, List<PlatformFailure> failedPlatforms, Error error,
            Instant at) {
        return new BuildOutcome(Schema.CURRENT, buildId, attempt, Type.FAILED, null, List.of(), failedPlatforms, error, at);
    }
}
