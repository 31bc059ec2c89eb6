package dev.archipelago.model;

/**
 * Build contexts that travel through a registry: a directory packed by the CLI into a
 * reproducible tar (sorted names, fixed times and owners, gzip), pushed as an OCI artifact and
 * named in a build request by digest ({@code registry/repository@sha256:...}). The CLI and the
 * workers agree on these names and limits.
 */
public final class BuildContexts {

    /** The artifact type of the manifest that holds a context. */
    public static final String ARTIFACT_TYPE = "application/vnd.archipelago.build-context.v1";
    /** The media type of its one layer: the context as a gzip-compressed tar. */
    public static final String LAYER_MEDIA_TYPE = "application/vnd.archipelago.build-context.v1.tar+gzip";
    /** The most bytes a context may hold, unpacked. */
    public static final long MAX_BYTES = 1024L * 1024 * 1024;
    /** The most entries (files, folders, links) a context may hold. */
    public static final int MAX_ENTRIES = 100_000;

    private BuildContexts() {
    }

    /**
     * Parses a bundle reference: a repository with a sha256 digest and no tag.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static ImageReference parseReference(String text) {
        ImageReference reference = ImageReference.parse(text);
        if (reference.digest() == null || reference.tag() != null || !Digests.isSha256(reference.digest())) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a bundle reference: give registry/repository@sha256:<64 hex>, "
                            + "as the CLI prints it");
        }
        return reference;
    }
}
