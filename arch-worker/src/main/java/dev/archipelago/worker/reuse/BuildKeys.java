package dev.archipelago.worker.reuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.archipelago.model.Digests;
import dev.archipelago.model.ImageFormat;
import dev.archipelago.model.ImageReference;
import dev.archipelago.model.InvalidImageReferenceException;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryException;
import dev.archipelago.worker.job.JobProcess;
import dev.archipelago.worker.source.SourceFetcher;

/**
 * Computes a platform build's {@link BuildKey} once its source is fetched: the git tree of the
 * context folder (or the bundle's digest), the Dockerfile's bytes, the build arguments and
 * labels, the platform, the format, and what each FROM resolves to now for that platform (one
 * manifest request per base). When a base cannot be resolved, there is no key and the build runs.
 */
public final class BuildKeys {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCEPT = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST_LIST,
            MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST);

    private final String git;
    private final RegistryClient registry;
    private final ImageFormat format;

    public BuildKeys(String git, RegistryClient registry, ImageFormat format) {
        this.git = git;
        this.registry = registry;
        this.format = format;
    }

    /** The key, or empty (with the reason in the build's log) when some input cannot be pinned. */
    public Optional<BuildKey> of(ArchBuildRequest request, SourceFetcher.Checkout checkout, JobProcess process)
            throws JobProcess.Stopped, IOException {
        ObjectNode inputs = JSON.createObjectNode();
        inputs.put("key", 1);
        inputs.put("platform", request.platform().ociName());
        inputs.put("format", format.formatName());
        inputs.put("context", contextId(request, checkout, process));
        byte[] dockerfile = Files.readAllBytes(checkout.dockerfile());
        inputs.put("dockerfile", checkout.root().relativize(checkout.dockerfile()).toString());
        inputs.put("dockerfileSha256", Digests.sha256(dockerfile));
        inputs.set("buildArgs", JSON.valueToTree(request.buildArgs()));
        inputs.set("labels", JSON.valueToTree(request.labels()));
        var froms = DockerfileBases.parse(new String(dockerfile, StandardCharsets.UTF_8), request.buildArgs());
        if (froms.isEmpty()) {
            process.note("build key: a FROM line uses a variable with no value or an unknown flag; building");
            return Optional.empty();
        }
        ArrayNode bases = inputs.putArray("bases");
        for (DockerfileBases.From from : froms.get()) {
            if (from.image().isEmpty()) {
                bases.add(from.text());
                continue;
            }
            Optional<String> digest = resolve(from, request.platform(), process);
            if (digest.isEmpty()) {
                return Optional.empty();
            }
            bases.add(from.text() + " @" + digest.get());
        }
        return Optional.of(new BuildKey(Digests.sha256(JSON.writeValueAsBytes(inputs)).substring("sha256:".length())));
    }

    /** The git tree of the context folder at the pinned commit, or the bundle's digest. */
    private String contextId(ArchBuildRequest request, SourceFetcher.Checkout checkout, JobProcess process)
            throws JobProcess.Stopped, IOException {
        if (request.source().fromBundle()) {
            return "bundle " + ImageReference.parse(request.source().bundle()).digest();
        }
        String folder = checkout.root().relativize(checkout.context()).toString();
        return "tree " + process.capture(List.of(git, "-C", checkout.root().toString(), "rev-parse", "HEAD:" + folder)).strip();
    }

    /**
     * The digest a FROM resolves to for the platform: the platform's child of an index, or the
     * manifest itself. A FROM with a {@code --platform} flag other than the target's own resolves
     * to the whole index, so that any change to it moves the key.
     */
    private Optional<String> resolve(DockerfileBases.From from, Platform platform, JobProcess process)
            throws JobProcess.Stopped, IOException {
        process.checkNotStopped();
        try {
            ImageReference image = ImageReference.parse(from.image().get());
            RegistryClient.Fetched manifest = registry.getManifest(image.apiHost(), image.repository(),
                    image.manifestReference(), ACCEPT);
            boolean targetPlatform = from.platformFlag().map(flag -> flag.equals("$TARGETPLATFORM")
                    || flag.equals("${TARGETPLATFORM}") || flag.equals(platform.ociName())).orElse(true);
            if (!MediaTypes.INDEXES.contains(manifest.mediaType()) || !targetPlatform) {
                return Optional.of(manifest.digest());
            }
            for (JsonNode child : JSON.readTree(manifest.body()).path("manifests")) {
                JsonNode p = child.path("platform");
                if (platform.os().equals(p.path("os").asText())
                        && platform.architecture().equals(p.path("architecture").asText())
                        && (platform.variant() == null || platform.variant().equals(p.path("variant").asText()))) {
                    return Optional.of(child.path("digest").asText());
                }
            }
            process.note("build key: " + image + " has no image for " + platform + "; building");
            return Optional.empty();
        } catch (InvalidImageReferenceException | RegistryException e) {
            process.note("build key: cannot resolve " + from.image().get() + " (" + e.getMessage() + "); building");
            return Optional.empty();
        }
    }
}
