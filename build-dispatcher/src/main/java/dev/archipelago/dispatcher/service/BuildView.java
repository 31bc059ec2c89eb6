package dev.archipelago.dispatcher.service;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import dev.archipelago.dispatcher.repository.Build;
import dev.archipelago.dispatcher.repository.BuildPlatform;
import dev.archipelago.dispatcher.repository.BuildState;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.json.EventJson;

/**
 * What the API says about a build (the {@code GET /api/builds/{id}} body in build-dispatcher/README.md), built
 * from the entities inside the service layer. {@code version} grows with every change, so a
 * client can tell two views apart.
 */
public record BuildView(
        UUID id,
        BuildState state,
        int attempt,
        String commit,
        Source source,
        Image image,
        Instant createdAt,
        Instant updatedAt,
        Instant finishedAt,
        List<PlatformView> platforms,
        Index index,
        Error error,
        long version) {

    /** A git commit ({@code git}, {@code ref}, {@code commit}), or a build context the CLI pushed ({@code bundle}). */
    public record Source(String git, String ref, String commit, String bundle) {
    }

    public record Image(String repository, String tag) {
    }

    /** One platform; {@code reused} says it built nothing and took the image {@code reusedFrom} built from the same inputs. */
    public record PlatformView(String platform, String state, int attempt, String worker, boolean emulated, String image,
            String digest, boolean reused, String reusedFrom, Instant startedAt, Instant finishedAt, PlatformError error) {
    }

    public record PlatformError(String code, String message, List<String> logTail) {
    }

    /** The index, and what is attached beside it and its images: provenance, SBOMs, signatures (docs/supply-chain.md). */
    public record Index(List<String> tags, String digest, String mediaType, String reference,
            List<AttestationView> attestations,
            List<String> warnings) {
    }

    /**
     * One attachment: its kind, the platform image it describes (none for the index), that image's
     * digest, the artifact's own manifest, and the tag a registry without the referrers API lists it under.
     */
    public record AttestationView(String kind, String platform, String subject, String digest, String artifactType, String tag,
            String reference) {
    }

    public record Error(String code, String message) {
    }

    static BuildView of(Build build, List<String> indexTags) {
        List<PlatformView> platforms = build.platforms.stream().map(p -> platform(build, p)).toList();
        Index index = build.indexDigest == null
                ? new Index(indexTags, null, null, null, List.of(), List.of())
                : new Index(indexTags, build.indexDigest, build.indexMediaType, build.repository + "@" + build.indexDigest,
                        attestations(build),
                        build.warningsJson == null ? List.of() : List.of(EventJson.decode(build.warningsJson, String[].class)));
        Error error = build.errorCode == null ? null : new Error(build.errorCode, build.errorMessage);
        return new BuildView(build.id, build.state, build.attempt, build.commit,
                new Source(build.gitUrl, build.gitRef, build.commit, build.bundle), new Image(build.repository, build.tag),
                build.createdAt, build.updatedAt, build.finishedAt, platforms, index, error, build.version);
    }

    private static List<AttestationView> attestations(Build build) {
        if (build.attestationsJson == null) {
            return List.of();
        }
        return Arrays.stream(EventJson.decode(build.attestationsJson, BuildOutcome.Attestation[].class))
                .map(a -> new AttestationView(a.kind().name(), a.platform() == null ? null : a.platform().ociName(),
                        a.subject(),
                        a.digest(), a.artifactType(), a.tag(), build.repository + "@" + a.digest()))
                .toList();
    }

    private static PlatformView platform(Build build, BuildPlatform p) {
        PlatformError error = p.errorCode == null ? null
                : new PlatformError(p.errorCode, p.errorMessage,
                        p.logTail == null || p.logTail.isEmpty() ? List.of() : Arrays.asList(p.logTail.split("\n", -1)));
        return new PlatformView(p.platform, p.state.name(), p.attempt, p.workerId, p.emulated,
                build.repository + ":" + p.archTag, p.digest, p.reused, p.reusedFrom, p.startedAt, p.finishedAt, error);
    }
}
