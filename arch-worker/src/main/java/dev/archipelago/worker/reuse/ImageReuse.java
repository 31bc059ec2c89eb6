package dev.archipelago.worker.reuse;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.archipelago.model.ImageReference;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryException;

/**
 * Finds the image a build key made, and gives it a new build's tag: a new config (the same one
 * with the new build's labels) over the same layers, so that the registry receives one small blob
 * and one manifest and no layer. Also records a freshly built image under its key.
 */
public final class ImageReuse {

    /** The image a new build now has under its tag, and the build that made its layers. */
    public record Reused(String digest, String mediaType, long size, String sourceBuildId) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCEPT = MediaTypes.OCI_MANIFEST + ", " + MediaTypes.DOCKER_MANIFEST;

    private final RegistryClient registry;

    public ImageReuse(RegistryClient registry) {
        this.registry = registry;
    }

    /**
     * Tags the image of this key as {@code target} with these labels; empty when the repository has
     * no image of the key (or one whose config does not carry the key and the platform).
     */
    public Optional<Reused> retag(BuildKey key, Platform platform, ImageReference target, Map<String, String> labels)
            throws IOException {
        String host = target.apiHost();
        String repository = target.repository();
        Optional<String> found = registry.headManifest(host, repository, key.tag(), ACCEPT);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        RegistryClient.Fetched manifest = registry.getManifest(host, repository, found.get(), ACCEPT);
        ObjectNode json = (ObjectNode) JSON.readTree(manifest.body());
        ObjectNode config = (ObjectNode) JSON.readTree(
                registry.getBlob(host, repository, json.path("config").path("digest").asText()));
        JsonNode existing = config.path("config").path("Labels");
        if (!key.hex().equals(existing.path(BuildKey.LABEL).asText()) || !platform.os().equals(config.path("os").asText())
                || !platform.architecture().equals(config.path("architecture").asText())) {
            return Optional.empty();
        }
        String sourceBuildId = existing.path(ImageLabels.BUILD_ID).asText("unknown");
        ObjectNode newLabels = config.withObjectProperty("config").withObjectProperty("Labels");
        labels.forEach(newLabels::put);
        byte[] newConfig = JSON.writeValueAsBytes(config);
        String configDigest = registry.pushBlob(host, repository, newConfig);
        ObjectNode descriptor = json.withObjectProperty("config");
        descriptor.put("digest", configDigest);
        descriptor.put("size", newConfig.length);
        byte[] newManifest = JSON.writeValueAsBytes(json);
        String digest = registry.putManifest(host, repository, target.manifestReference(), manifest.mediaType(), newManifest);
        return Optional.of(new Reused(digest, manifest.mediaType(), newManifest.length, sourceBuildId));
    }

    /** Puts the pushed image's manifest under its key's tag too, for the builds after it; a failure costs only a reuse. */
    public Optional<String> record(BuildKey key, ImageReference target, String digest) {
        try {
            RegistryClient.Fetched manifest = registry.getManifest(target.apiHost(), target.repository(), digest, ACCEPT);
            registry.putManifest(target.apiHost(), target.repository(), key.tag(), manifest.mediaType(), manifest.body());
            return Optional.empty();
        } catch (RegistryException e) {
            return Optional.of(e.getMessage());
        }
    }
}
