package dev.archipelago.assembler.config;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "archipelago.assembler")
public interface AssemblerConfig {

    /** The containers auth.json with the registry credentials; anonymous access without it. */
    Optional<String> authFile();

    /** Registries (host:port) spoken to over plain HTTP; every other registry is HTTPS. */
    Optional<Set<String>> insecureRegistries();

    /** How long a build may wait for its platforms beyond its own timeout before it fails with TIMEOUT. */
    @WithDefault("60s")
    Duration timeoutGrace();

    /** How often unfinished work is looked at: timeouts, indexes not yet pushed, outcomes not yet published. */
    @WithDefault("5s")
    Duration sweepInterval();

    /** Connect timeout of registry calls. */
    @WithDefault("5s")
    Duration registryConnectTimeout();

    /** Timeout of one registry request. */
    @WithDefault("30s")
    Duration registryRequestTimeout();

    /** Tries of a registry call that fails with 5xx, 429 or no answer. */
    @WithDefault("3")
    int registryAttempts();

    /**
     * The PEM file of the ECDSA P-256 private key that signs every image and index (unencrypted
     * PKCS#8 or SEC1, mounted from a Secret); without it nothing is signed. A file that holds no
     * such key stops the assembler at start.
     */
    Optional<String> signingKeyFile();

    /** The largest layer read for an image's SBOM; a larger one fails the SBOM (SBOM_FAILED). */
    @WithDefault("4294967296")
    long sbomMaxLayerBytes();
}
