package dev.archipelago.model.events;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.archipelago.model.BuildContexts;

/**
 * The source tree every platform builds, pinned so that they all build the same thing: a git
 * commit ({@code git}, {@code ref}, {@code commit}), or a build context pushed to a registry by
 * the CLI and named by digest ({@code bundle}, {@code registry/repository@sha256:...}).
 */
public record PinnedSource(
        String git,
        String ref,
        String commit,
        @JsonProperty(required = true) String contextDir,
        @JsonProperty(required = true) String dockerfile,
        String bundle) {

    public PinnedSource {
        if (bundle == null) {
            Schema.requiredText(git, "source.git");
            Schema.requiredText(ref, "source.ref");
            Schema.requiredText(commit, "source.commit");
        } else {
            if (git != null || ref != null || commit != null) {
                throw new IllegalArgumentException(
                        "field 'source.bundle' excludes 'source.git', 'source.ref' and 'source.commit'");
            }
            BuildContexts.parseReference(bundle);
        }
        Schema.requiredText(contextDir, "source.contextDir");
        Schema.requiredText(dockerfile, "source.dockerfile");
    }

    /** A git commit. */
    public static PinnedSource ofCommit(String git, String ref, String commit, String contextDir, String dockerfile) {
        return new PinnedSource(git, ref, commit, contextDir, dockerfile, null);
    }

    /** A build context in a registry. */
    public static PinnedSource ofBundle(String bundle, String contextDir, String dockerfile) {
        return new PinnedSource(null, null, null, contextDir, dockerfile, bundle);
    }

    /** Whether the source is a bundle rather than a git commit. */
    public boolean fromBundle() {
        return bundle != null;
    }

    /** What the image's {@code org.opencontainers.image.revision} says: the commit, or the bundle's digest. */
    public String revision() {
        return bundle != null ? BuildContexts.parseReference(bundle).digest() : commit;
    }
}
