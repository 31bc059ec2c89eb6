package dev.archipelago.model;

import java.util.Set;

/** Media types of the OCI image spec and of Docker's schema 2 that Archipelago reads and writes. */
public final class MediaTypes {

    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER_TAR_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /** Single-platform image manifests, the children of an index. */
    public static final Set<String> IMAGE_MANIFESTS = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);
    /** Multi-platform manifests. */
    public static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);

    private MediaTypes() {
    }

    /** The index type that goes with children of the given manifest type. */
    public static String indexFor(String childManifestType) {
        return switch (childManifestType) {
            case OCI_MANIFEST -> OCI_INDEX;
            case DOCKER_MANIFEST -> DOCKER_MANIFEST_LIST;
            default -> throw new IllegalArgumentException("'" + childManifestType + "' is not an image manifest type");
        };
    }
}
