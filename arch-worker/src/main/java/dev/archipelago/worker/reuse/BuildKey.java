package dev.archipelago.worker.reuse;

/**
 * The SHA-256 of everything that decides what a platform's build produces: the context's content,
 * the Dockerfile, the build arguments and labels, the platform, the manifest format, and the
 * digests the FROM lines resolve to for that platform. Two builds with the same key produce the
 * same image but for their own labels (revision, build id), so the second one reuses the first.
 *
 * <p>
 * Recorded twice where the image is pushed: as the label {@value #LABEL} in its config, and as the
 * tag {@code archipelago-key-<hex>} in its repository, which a worker finds with one HEAD request
 * and no listing of the registry.
 */
public record BuildKey(String hex) {

    public static final String LABEL = "dev.archipelago.build-key";
    public static final String TAG_PREFIX = "archipelago-key-";

    public BuildKey {
        if (hex == null || !hex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a build key is 64 lower-case hex digits");
        }
    }

    /** The tag that leads to the image built with this key, in the image's own repository. */
    public String tag() {
        return TAG_PREFIX + hex;
    }
}
