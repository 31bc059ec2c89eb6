package dev.archipelago.model.events;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A request to build one image for several platforms: the body of {@code POST /api/builds}
 * and the value of a record on {@code archipelago.builds.submit}.
 *
 * <p>
 * Only {@code source.git} (or {@code source.bundle}), {@code image.repository}, {@code image.tag}
 * and {@code platforms} are required. {@code rebuild: true} builds every platform even where an image
 * of the same build key exists (by default such a platform reuses it and builds nothing). Platforms stay strings here so that
 * the dispatcher can name every bad one in
 * its answer; the dispatcher validates the rest.
 */
public record BuildRequest(
        Integer schema,
        @JsonProperty(required = true) Source source,
        @JsonProperty(required = true) Image image,
        @JsonProperty(required = true) List<String> platforms,
        Map<String, String> buildArgs,
        Map<String, String> labels,
        Boolean allowEmulation,
        Boolean allowPartial,
        Integer timeoutSeconds,
        CommitStatus commitStatus,
        Boolean rebuild) {

    /** The build timeout when a request names none: 30 minutes. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 1800;

    public BuildRequest {
        if (schema != null) {
            Schema.check(schema);
        }
        Schema.required(source, "source");
        Schema.required(image, "image");
        Schema.required(platforms, "platforms");
    }

    /**
     * Where the source comes from: a git repository ({@code git}, and {@code ref}, which defaults to
     * {@code HEAD}), or a build context the CLI pushed to a registry ({@code bundle},
     * {@code registry/repository@sha256:...}). {@code contextDir} and {@code dockerfile} default to
     * {@code .} and {@code Dockerfile}.
     */
    public record Source(
            String git,
            String ref,
            String contextDir,
            String dockerfile,
            String bundle) {
        public Source {
            if (bundle == null) {
                if (git == null || git.isBlank()) {
                    throw new IllegalArgumentException("field 'source.git' is required and must not be blank (or give "
                            + "'source.bundle', a build context the CLI pushed)");
                }
            } else if (git != null || ref != null) {
                throw new IllegalArgumentException(
                        "field 'source.bundle' excludes 'source.git' and 'source.ref': give one source");
            }
        }

        /** A git repository at a ref. */
        public static Source ofGit(String git, String ref, String contextDir, String dockerfile) {
            return new Source(git, ref, contextDir, dockerfile, null);
        }
    }

    /** Where the image goes, under which tags, and what is attached beside it (absent: everything). */
    public record Image(
            @JsonProperty(required = true) String repository,
            @JsonProperty(required = true) String tag,
            String archTagTemplate,
            Map<String, String> archTags,
            List<String> indexTags,
            SupplyChain supplyChain) {
        public Image {
            Schema.requiredText(repository, "image.repository");
            Schema.requiredText(tag, "image.tag");
        }
    }

    /**
     * Where to report the build's progress as a commit status: {@code target} names a status target
     * configured on the dispatcher (which holds the API URL and the token, so no token travels in a
     * request), {@code project} is the GitLab project (id or {@code group/project}) or the GitHub
     * repository ({@code owner/repo}).
     */
    public record CommitStatus(
            @JsonProperty(required = true) String target,
            @JsonProperty(required = true) String project) {
        public CommitStatus {
            Schema.requiredText(target, "commitStatus.target");
            Schema.requiredText(project, "commitStatus.project");
        }
    }

    public boolean emulationAllowed() {
        return Boolean.TRUE.equals(allowEmulation);
    }

    public boolean partialAllowed() {
        return Boolean.TRUE.equals(allowPartial);
    }

    public boolean rebuildRequested() {
        return Boolean.TRUE.equals(rebuild);
    }

    public int effectiveTimeoutSeconds() {
        return timeoutSeconds == null ? DEFAULT_TIMEOUT_SECONDS : timeoutSeconds;
    }
}
