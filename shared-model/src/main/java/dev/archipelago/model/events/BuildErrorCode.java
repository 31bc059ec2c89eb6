package dev.archipelago.model.events;

/** Stable codes for why a platform's build or a build's assembly failed; clients may switch on them. */
public enum BuildErrorCode {
    /** The request could not be used as it was (bad paths, unknown fields). */
    INVALID_REQUEST,
    /** The git repository or commit could not be fetched. */
    SOURCE_FETCH_FAILED,
    /** No Dockerfile at the requested path inside the checkout. */
    DOCKERFILE_NOT_FOUND,
    /** The Dockerfile or its context points outside the checkout. */
    PATH_ESCAPE,
    /** A build context from the CLI (a bundle) could not be used safely: a path or link leading out, a device, over a limit. */
    CONTEXT_REFUSED,
    /** buildah failed to build (a RUN step failed, a base image is missing). */
    BUILD_FAILED,
    /** The built image is not of the platform it was built for. */
    ARCH_MISMATCH,
    /** The registry refused the worker's credentials. */
    PUSH_UNAUTHORIZED,
    /** The push failed after its retries. */
    PUSH_FAILED,
    /** The build did not finish within its timeout. */
    TIMEOUT,
    /** The build was cancelled. */
    CANCELLED,
    /** A child manifest named by a result is not in the registry. */
    CHILD_NOT_FOUND,
    /** A child's image config names another platform than its result. */
    CHILD_PLATFORM_MISMATCH,
    /** The children mix OCI and Docker manifests. */
    MIXED_MANIFEST_FORMATS,
    /** One or more platforms failed, so no index was pushed. */
    PLATFORMS_FAILED,
    /** The registry refused the assembler's credentials. */
    INDEX_PUSH_UNAUTHORIZED,
    /** Pushing the index failed after its retries. */
    INDEX_PUSH_FAILED,
    /** The signing key could not sign, or a signature could not be pushed. */
    SIGNING_FAILED,
    /** An image's layers could not be read for its SBOM. */
    SBOM_FAILED,
    /** Provenance, an SBOM or a signature could not be attached in the registry (the artifact or the referrers index). */
    ATTESTATION_PUSH_FAILED,
    /** The build was submitted on the topic while a platform had no live worker; it was stored, not started (retry it). */
    NO_LIVE_WORKER,
    /** Anything else; the message says what. */
    INTERNAL
}
