package dev.archipelago.worker.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.model.BuildContexts;
import dev.archipelago.model.ImageReference;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryException;
import dev.archipelago.worker.job.BuildFailure;
import dev.archipelago.worker.job.JobProcess;

/**
 * Fetches a build context that the CLI pushed to a registry: the artifact's manifest by digest
 * (its bytes checked against the digest), its one layer streamed to the work folder (checked
 * against its digest, bounded in size), then unpacked by {@link ContextArchive}. The worker's own
 * registry credentials are used; none travels with the request.
 */
public final class BundleFetcher {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryClient registry;
    private final long maxBytes;
    private final int maxEntries;

    public BundleFetcher(RegistryClient registry, long maxBytes, int maxEntries) {
        this.registry = registry;
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
    }

    /** Fetches and unpacks the bundle into {@code into}; returns what was unpacked. */
    ContextArchive.Unpacked fetch(String bundle, Path into, JobProcess process)
            throws BuildFailure, IOException, JobProcess.Stopped {
        ImageReference reference = BuildContexts.parseReference(bundle);
        String host = reference.apiHost();
        String repository = reference.repository();
        process.note("fetching the build context " + bundle);
        try {
            RegistryClient.Fetched manifest = registry.getManifest(host, repository, reference.digest(),
                    MediaTypes.OCI_MANIFEST);
            JsonNode json = JSON.readTree(manifest.body());
            JsonNode layers = json.path("layers");
            if (!BuildContexts.ARTIFACT_TYPE.equals(json.path("artifactType").asText()) || layers.size() != 1
                    || !BuildContexts.LAYER_MEDIA_TYPE.equals(layers.get(0).path("mediaType").asText())) {
                throw new BuildFailure(BuildErrorCode.CONTEXT_REFUSED, "the build context was refused: " + bundle
                        + " is not a build context pushed by the CLI (artifact type " + BuildContexts.ARTIFACT_TYPE
                        + ", one layer)");
            }
            JsonNode layer = layers.get(0);
            if (layer.path("size").asLong() > maxBytes) {
                throw new BuildFailure(BuildErrorCode.CONTEXT_REFUSED, "the build context was refused: its archive has "
                        + layer.path("size").asLong() + " bytes; the limit is " + maxBytes);
            }
            process.checkNotStopped();
            Path archive = into.resolveSibling("context.tar.gz");
            registry.getBlobTo(host, repository, layer.path("digest").asText(), archive, maxBytes);
            process.checkNotStopped();
            ContextArchive.Unpacked unpacked = ContextArchive.unpack(archive, into, maxBytes, maxEntries);
            Files.delete(archive);
            process.note("unpacked " + unpacked.entries() + " entries, " + unpacked.bytes() + " bytes");
            return unpacked;
        } catch (RegistryException e) {
            BuildErrorCode code = switch (e.kind()) {
                case TOO_LARGE -> BuildErrorCode.CONTEXT_REFUSED;
                default -> BuildErrorCode.SOURCE_FETCH_FAILED;
            };
            throw new BuildFailure(code,
                    (code == BuildErrorCode.CONTEXT_REFUSED ? "the build context was refused: "
                            : "cannot fetch the "
                                    + "build context " + bundle + ": ")
                            + e.getMessage() + (e.kind() == RegistryException.Kind.UNAUTHORIZED
                                    ? "; the worker's registry credentials (auth-file) must allow pulling it"
                                    : ""));
        }
    }
}
