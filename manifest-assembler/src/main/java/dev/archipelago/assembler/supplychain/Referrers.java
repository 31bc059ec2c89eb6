package dev.archipelago.assembler.supplychain;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.archipelago.model.Digests;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryException;

/**
 * Attaches an artifact to an image the OCI 1.1 way: an image manifest with an {@code artifactType},
 * the empty config and the artifact as its one layer, whose {@code subject} is the image, pushed by
 * digest beside it (never into its index). A registry with the referrers API lists it by itself;
 * for one without (it answers 404) the referrers tag schema's index under {@code sha256-<hex>} is
 * updated, as the distribution spec asks of clients.
 */
public class Referrers {

    public static final String EMPTY_CONFIG_MEDIA_TYPE = "application/vnd.oci.empty.v1+json";
    private static final byte[] EMPTY_CONFIG = "{}".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryClient registry;

    /** The image an artifact describes. */
    public record Subject(String digest, String mediaType, long size) {
    }

    /** The pushed artifact: its manifest's digest and the tag where a registry without the API lists it. */
    public record Attached(String digest, String tag) {
    }

    public Referrers(RegistryClient registry) {
        this.registry = registry;
    }

    public Attached attach(String host, String repository, Subject subject, String artifactType, byte[] content,
            Map<String, String> annotations) {
        String contentDigest = registry.pushBlob(host, repository, content);
        String configDigest = registry.pushBlob(host, repository, EMPTY_CONFIG);
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
        manifest.put("artifactType", artifactType);
        ObjectNode config = manifest.putObject("config");
        config.put("mediaType", EMPTY_CONFIG_MEDIA_TYPE);
        config.put("digest", configDigest);
        config.put("size", EMPTY_CONFIG.length);
        config.put("data", "e30=");
        ObjectNode layer = manifest.putArray("layers").addObject();
        layer.put("mediaType", artifactType);
        layer.put("digest", contentDigest);
        layer.put("size", content.length);
        ObjectNode subjectNode = manifest.putObject("subject");
        subjectNode.put("mediaType", subject.mediaType());
        subjectNode.put("digest", subject.digest());
        subjectNode.put("size", subject.size());
        if (!annotations.isEmpty()) {
            manifest.set("annotations", JSON.valueToTree(annotations));
        }
        byte[] bytes = write(manifest);
        String digest = Digests.sha256(bytes);
        registry.putManifest(host, repository, digest, MediaTypes.OCI_MANIFEST, bytes);
        String tag = fallbackTag(subject.digest());
        if (registry.getReferrers(host, repository, subject.digest()).isEmpty()) {
            addToFallbackIndex(host, repository, tag, digest, bytes.length, artifactType, annotations);
        }
        return new Attached(digest, tag);
    }

    /** {@code sha256:<hex>} becomes the tag {@code sha256-<hex>} (the referrers tag schema). */
    public static String fallbackTag(String digest) {
        return digest.replace(':', '-');
    }

    private void addToFallbackIndex(String host, String repository, String tag, String digest, long size, String artifactType,
            Map<String, String> annotations) {
        ObjectNode index;
        try {
            JsonNode existing = JSON.readTree(registry.getManifest(host, repository, tag, MediaTypes.OCI_INDEX).body());
            if (!(existing instanceof ObjectNode node) || !existing.path("manifests").isArray()) {
                throw new RegistryException(RegistryException.Kind.INVALID, 200, "the referrers tag " + repository + ":" + tag
                        + " holds something other than an image index");
            }
            for (JsonNode entry : existing.path("manifests")) {
                if (entry.path("digest").asText().equals(digest)) {
                    return;
                }
            }
            index = node;
        } catch (RegistryException e) {
            if (e.kind() != RegistryException.Kind.NOT_FOUND) {
                throw e;
            }
            index = JSON.createObjectNode();
            index.put("schemaVersion", 2);
            index.put("mediaType", MediaTypes.OCI_INDEX);
            index.putArray("manifests");
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.INVALID, 200, "the referrers tag " + repository + ":" + tag
                    + " is not JSON");
        }
        ObjectNode entry = ((ArrayNode) index.get("manifests")).addObject();
        entry.put("mediaType", MediaTypes.OCI_MANIFEST);
        entry.put("digest", digest);
        entry.put("size", size);
        entry.put("artifactType", artifactType);
        if (!annotations.isEmpty()) {
            entry.set("annotations", JSON.valueToTree(annotations));
        }
        registry.putManifest(host, repository, tag, MediaTypes.OCI_INDEX, write(index));
    }

    private static byte[] write(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
