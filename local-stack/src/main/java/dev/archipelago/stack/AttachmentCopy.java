package dev.archipelago.stack;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.model.MediaTypes;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryException;

/**
 * Copies what the assembler attached beside an image from one registry to another: for each
 * subject digest, the referrers tag schema's index ({@code sha256-<hex>}) with every artifact it
 * lists, blobs first, digests unchanged. {@code skopeo copy --all} carries the images but not
 * these. Signatures are not copied: they name the repository they were made for, so the copies are
 * signed again where they now are.
 */
final class AttachmentCopy {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryClient source;
    private final String sourceHost;
    private final RegistryClient target;
    private final String targetHost;

    AttachmentCopy(RegistryClient source, String sourceHost, RegistryClient target, String targetHost) {
        this.source = source;
        this.sourceHost = sourceHost;
        this.target = target;
        this.targetHost = targetHost;
    }

    /** Copies the attachments of each digest; returns how many manifests were copied. */
    int copy(String sourceRepository, String targetRepository, Iterable<String> subjects) {
        int copied = 0;
        for (String subject : subjects) {
            String referrersTag = subject.replace(':', '-');
            RegistryClient.Fetched referrers = fetch(sourceRepository, referrersTag, MediaTypes.OCI_INDEX);
            if (referrers != null) {
                for (JsonNode entry : read(referrers.body()).path("manifests")) {
                    copied += copyManifest(sourceRepository, targetRepository, entry.path("digest").asText());
                }
                target.putManifest(targetHost, targetRepository, referrersTag, MediaTypes.OCI_INDEX, referrers.body());
                copied++;
            }
        }
        return copied;
    }

    private int copyManifest(String sourceRepository, String targetRepository, String digest) {
        RegistryClient.Fetched manifest = source.getManifest(sourceHost, sourceRepository, digest, MediaTypes.OCI_MANIFEST);
        copyBlobs(sourceRepository, targetRepository, read(manifest.body()));
        target.putManifest(targetHost, targetRepository, digest, MediaTypes.OCI_MANIFEST, manifest.body());
        return 1;
    }

    private void copyBlobs(String sourceRepository, String targetRepository, JsonNode manifest) {
        copyBlob(sourceRepository, targetRepository, manifest.path("config").path("digest").asText());
        for (JsonNode layer : manifest.path("layers")) {
            copyBlob(sourceRepository, targetRepository, layer.path("digest").asText());
        }
    }

    private void copyBlob(String sourceRepository, String targetRepository, String digest) {
        if (!target.blobExists(targetHost, targetRepository, digest)) {
            target.pushBlob(targetHost, targetRepository, source.getBlob(sourceHost, sourceRepository, digest));
        }
    }

    private RegistryClient.Fetched fetch(String repository, String tag, String accept) {
        try {
            return source.getManifest(sourceHost, repository, tag, accept);
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    private static JsonNode read(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
