package dev.archipelago.cli.context;

import java.nio.charset.StandardCharsets;

import dev.archipelago.model.BuildContexts;
import dev.archipelago.model.Digests;
import dev.archipelago.model.ImageReference;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.registry.RegistryClient;

/**
 * Pushes a packed context to a registry as an OCI artifact (artifact type
 * {@value BuildContexts#ARTIFACT_TYPE}): the archive as its one layer, the empty config, and a
 * manifest pushed by digest, untagged. Returns the reference a build request names:
 * {@code registry/repository@sha256:<manifest digest>}. The same context gives the same manifest,
 * so pushing it again uploads nothing new.
 */
public final class ContextPusher {

    /** OCI's empty descriptor: the two bytes {@code {}}. */
    static final byte[] EMPTY_CONFIG = "{}".getBytes(StandardCharsets.UTF_8);

    private final RegistryClient registry;

    public ContextPusher(RegistryClient registry) {
        this.registry = registry;
    }

    public String push(ContextPacker.Packed packed, ImageReference repository) {
        String host = repository.apiHost();
        String name = repository.repository();
        registry.pushBlob(host, name, packed.digest(), packed.archive());
        String config = registry.pushBlob(host, name, EMPTY_CONFIG);
        byte[] manifest = manifest(packed, config);
        String digest = registry.putManifest(host, name, Digests.sha256(manifest), MediaTypes.OCI_MANIFEST, manifest);
        return repository.withDigest(digest).toString();
    }

    /** The artifact's manifest, written with a fixed key order so that the same context gives the same digest. */
    static byte[] manifest(ContextPacker.Packed packed, String configDigest) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"artifactType\":\""
                + BuildContexts.ARTIFACT_TYPE
                + "\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\""
                + configDigest + "\",\"size\":" + EMPTY_CONFIG.length + "},\"layers\":[{\"mediaType\":\""
                + BuildContexts.LAYER_MEDIA_TYPE + "\",\"digest\":\"" + packed.digest() + "\",\"size\":" + packed.size()
                + "}]}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
