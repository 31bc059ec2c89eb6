package dev.archipelago.model;

import java.util.Locale;

/** The manifest format a platform image is pushed in, as buildah's {@code --format} names it. */
public enum ImageFormat {
    OCI(MediaTypes.OCI_MANIFEST),
    DOCKER(MediaTypes.DOCKER_MANIFEST);

    private final String manifestMediaType;

    ImageFormat(String manifestMediaType) {
        this.manifestMediaType = manifestMediaType;
    }

    /** The media type of an image manifest in this format. */
    public String manifestMediaType() {
        return manifestMediaType;
    }

    /** {@code oci} or {@code docker}: buildah's {@code --format} value, and the value events report. */
    public String formatName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
