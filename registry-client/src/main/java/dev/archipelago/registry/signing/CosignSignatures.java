package dev.archipelago.registry.signing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.archipelago.model.Digests;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryException;

/**
 * Signs images in sigstore's cosign format, which containers/image (skopeo, podman, CRI-O) verifies
 * with a {@code sigstoreSigned} policy and cosign verifies with {@code --key}: a simple-signing
 * payload naming the repository and the manifest digest, its ECDSA signature in the layer's
 * {@code dev.cosignproject.cosign/signature} annotation, under the tag {@code sha256-<hex>.sig}.
 * Signatures already there (other keys, other runs) are kept; a signature of this key over the
 * same payload is not added twice.
 */
public class CosignSignatures {

    public static final String PAYLOAD_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
    public static final String SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryClient registry;
    private final SigningKey key;

    /** The signature manifest's digest and tag. */
    public record Signed(String digest, String tag) {
    }

    public CosignSignatures(RegistryClient registry, SigningKey key) {
        this.registry = registry;
        this.key = key;
    }

    public static String signatureTag(String digest) {
        return digest.replace(':', '-') + ".sig";
    }

    /** The simple-signing payload cosign writes for {@code repository@digest}. */
    static byte[] payload(String dockerReference, String digest) {
        ObjectNode payload = JSON.createObjectNode();
        ObjectNode critical = payload.putObject("critical");
        critical.putObject("identity").put("docker-reference", dockerReference);
        critical.putObject("image").put("docker-manifest-digest", digest);
        critical.put("type", "cosign container image signature");
        payload.putNull("optional");
        return write(payload);
    }

    /** Signs {@code host/repository@digest}; returns the signature manifest. */
    public Signed sign(String host, String repository, String digest) {
        byte[] payload = payload(host + "/" + repository, digest);
        String payloadDigest = Digests.sha256(payload);
        String tag = signatureTag(digest);
        List<JsonNode> layers = new ArrayList<>();
        try {
            RegistryClient.Fetched existing = registry.getManifest(host, repository, tag, MediaTypes.OCI_MANIFEST);
            for (JsonNode layer : JSON.readTree(existing.body()).path("layers")) {
                if (layer.path("digest").asText().equals(payloadDigest) && ours(layer, payload)) {
                    return new Signed(existing.digest(), tag);
                }
                layers.add(layer);
            }
        } catch (RegistryException e) {
            if (e.kind() != RegistryException.Kind.NOT_FOUND) {
                throw e;
            }
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.INVALID, 200, "the signature tag " + repository + ":" + tag
                    + " is not JSON");
        }
        registry.pushBlob(host, repository, payload);
        ObjectNode layer = JSON.createObjectNode();
        layer.put("mediaType", PAYLOAD_MEDIA_TYPE);
        layer.put("size", payload.length);
        layer.put("digest", payloadDigest);
        layer.putObject("annotations").put(SIGNATURE_ANNOTATION, Base64.getEncoder().encodeToString(key.sign(payload)));
        layers.add(layer);

        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", "");
        config.put("os", "");
        config.putObject("config");
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode diffIds = rootfs.putArray("diff_ids");
        layers.forEach(l -> diffIds.add(l.path("digest").asText()));
        byte[] configBytes = write(config);
        String configDigest = registry.pushBlob(host, repository, configBytes);

        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
        ObjectNode configDescriptor = manifest.putObject("config");
        configDescriptor.put("mediaType", MediaTypes.OCI_CONFIG);
        configDescriptor.put("size", configBytes.length);
        configDescriptor.put("digest", configDigest);
        ArrayNode layerArray = manifest.putArray("layers");
        layers.forEach(layerArray::add);
        byte[] bytes = write(manifest);
        return new Signed(registry.putManifest(host, repository, tag, MediaTypes.OCI_MANIFEST, bytes), tag);
    }

    private boolean ours(JsonNode layer, byte[] payload) {
        String signature = layer.path("annotations").path(SIGNATURE_ANNOTATION).asText("");
        try {
            return !signature.isEmpty() && key.verifies(payload, Base64.getDecoder().decode(signature));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] write(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
