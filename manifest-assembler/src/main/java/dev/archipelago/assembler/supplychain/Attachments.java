package dev.archipelago.assembler.supplychain;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.assembler.config.AssemblerConfig;
import dev.archipelago.model.Platform;
import dev.archipelago.model.Redaction;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.events.SupplyChain;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryException;
import dev.archipelago.registry.signing.CosignSignatures;
import dev.archipelago.registry.signing.SigningKey;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;

/**
 * What the assembler attaches beside a build's images (docs/supply-chain.md): per platform image
 * an SLSA provenance statement, a CycloneDX SBOM and a cosign signature; for the index a provenance
 * statement and a signature. All go beside the images through the referrers model; nothing enters
 * the index. Which are made is the request's choice ({@link SupplyChain}); signatures need the
 * assembler's key. An attachment that fails ends the build with its own code, or, when the request
 * said best effort, becomes a warning. The key is read at start: a bad key stops the assembler.
 */
@ApplicationScoped
@Startup
public class Attachments {

    public static final String ASSEMBLER_ID = "urn:archipelago:manifest-assembler";
    static final String ANNOTATION_BASE_NAME = "org.opencontainers.image.base.name";
    static final String ANNOTATION_BASE_DIGEST = "org.opencontainers.image.base.digest";

    private final RegistryClient registry;
    private final Referrers referrers;
    private final LayerScanner scanner;
    private final Optional<CosignSignatures> signatures;

    /** One platform's image as the assembler verified it, with what its worker reported. */
    public record ChildImage(Platform platform, String digest, String mediaType, long size, JsonNode manifest, String workerId,
            boolean emulated, ArchBuildEvent.Builder builder, Instant startedAt, Instant finishedAt) {
    }

    /** The build as the provenance describes it. */
    public record BuildFacts(String buildId, int attempt, String host, String repository, JsonNode externalParameters,
            String git, String ref, String commit, String bundle, SupplyChain wanted, Instant requestedAt,
            Instant finishedAt) {
        String name() {
            return host + "/" + repository;
        }
    }

    /** An attachment that failed, with its code and the platform it was for (none for the index). */
    public static final class AttachmentFailure extends RuntimeException {
        public final BuildErrorCode code;
        public final Platform platform;

        AttachmentFailure(BuildErrorCode code, Platform platform, String message) {
            super(message);
            this.code = code;
            this.platform = platform;
        }
    }

    public Attachments(AssemblerConfig config, RegistryClient registry) {
        this.registry = registry;
        this.referrers = new Referrers(registry);
        this.scanner = new LayerScanner(registry, config.sbomMaxLayerBytes(),
                Path.of(System.getProperty("java.io.tmpdir"), "archipelago-sbom"));
        this.signatures = config.signingKeyFile().map(file -> new CosignSignatures(registry, SigningKey.read(Path.of(file))));
        Log.infof(signatures.isPresent() ? "images and indexes are signed with the key in %s"
                : "no signing key configured (archipelago.assembler.signing-key-file): images are not signed",
                config.signingKeyFile().orElse(""));
    }

    /** Whether this assembler signs (it was given a key). */
    public boolean signs() {
        return signatures.isPresent();
    }

    /** Attaches provenance, SBOM and signature to each platform image; adds what it made to the lists. */
    public void attachToChildren(BuildFacts build, List<ChildImage> children, List<BuildOutcome.Attestation> made,
            List<String> warnings) {
        SupplyChain wanted = build.wanted();
        for (ChildImage child : children) {
            Referrers.Subject subject = new Referrers.Subject(child.digest(), child.mediaType(), child.size());
            if (wanted.provenance()) {
                attempt(build, warnings, BuildErrorCode.ATTESTATION_PUSH_FAILED, child.platform(), "provenance", () -> {
                    byte[] statement = ProvenanceStatement.of(build.name(), child.digest(), build.externalParameters(),
                            internal(child), childDependencies(build, child), builderId(child),
                            build.buildId() + "/" + build.attempt(),
                            child.startedAt(), child.finishedAt());
                    Referrers.Attached attached = referrers.attach(build.host(), build.repository(), subject,
                            ProvenanceStatement.MEDIA_TYPE,
                            statement, annotations(build, child.finishedAt(), ProvenanceStatement.PREDICATE_TYPE));
                    made.add(new BuildOutcome.Attestation(BuildOutcome.Attestation.Kind.PROVENANCE, child.platform(),
                            child.digest(),
                            attached.digest(), ProvenanceStatement.MEDIA_TYPE, attached.tag()));
                });
            }
            if (wanted.sbom()) {
                ImagePackages.Result[] scan = new ImagePackages.Result[1];
                attempt(build, warnings, BuildErrorCode.SBOM_FAILED, child.platform(), "SBOM", () -> {
                    try {
                        scan[0] = scanner.scan(build.host(), build.repository(), child.manifest());
                    } catch (IOException e) {
                        throw new AttachmentFailure(BuildErrorCode.SBOM_FAILED, child.platform(), child.platform()
                                + ": the layers of " + child.digest() + " could not be read for its SBOM: " + e.getMessage());
                    }
                });
                if (scan[0] != null) {
                    scan[0].warnings().forEach(w -> warnings.add(child.platform() + " SBOM: " + w));
                    attempt(build, warnings, BuildErrorCode.ATTESTATION_PUSH_FAILED, child.platform(), "SBOM", () -> {
                        byte[] sbom = CycloneDxSbom.of(build.name(), child.digest(), child.platform(), scan[0],
                                child.finishedAt());
                        Referrers.Attached attached = referrers.attach(build.host(), build.repository(), subject,
                                CycloneDxSbom.MEDIA_TYPE,
                                sbom, annotations(build, child.finishedAt(), null));
                        made.add(new BuildOutcome.Attestation(BuildOutcome.Attestation.Kind.SBOM, child.platform(),
                                child.digest(),
                                attached.digest(), CycloneDxSbom.MEDIA_TYPE, attached.tag()));
                    });
                }
            }
            sign(build, child.platform(), child.digest(), made, warnings);
        }
    }

    /** Attaches provenance and a signature to the index, which is in the registry by digest and not yet tagged. */
    public void attachToIndex(BuildFacts build, String digest, String mediaType, long size, List<ChildImage> children,
            List<BuildOutcome.Attestation> made, List<String> warnings) {
        if (build.wanted().provenance()) {
            attempt(build, warnings, BuildErrorCode.ATTESTATION_PUSH_FAILED, null, "provenance", () -> {
                List<ProvenanceStatement.Dependency> dependencies = new ArrayList<>(sourceDependencies(build));
                for (ChildImage child : children) {
                    dependencies.add(new ProvenanceStatement.Dependency("oci://" + build.name() + "@" + child.digest(),
                            Map.of("sha256", ProvenanceStatement.hex(child.digest())),
                            Map.of("platform", child.platform().ociName(),
                                    "worker", child.workerId(), "emulated", String.valueOf(child.emulated()))));
                }
                Map<String, Object> internal = new LinkedHashMap<>();
                internal.put("platforms", children.stream().map(c -> c.platform().ociName()).toList());
                byte[] statement = ProvenanceStatement.of(build.name(), digest, build.externalParameters(), internal,
                        dependencies,
                        ASSEMBLER_ID, build.buildId() + "/" + build.attempt(), build.requestedAt(), build.finishedAt());
                Referrers.Attached attached = referrers.attach(build.host(), build.repository(),
                        new Referrers.Subject(digest, mediaType, size),
                        ProvenanceStatement.MEDIA_TYPE, statement,
                        annotations(build, build.finishedAt(), ProvenanceStatement.PREDICATE_TYPE));
                made.add(new BuildOutcome.Attestation(BuildOutcome.Attestation.Kind.PROVENANCE, null, digest, attached.digest(),
                        ProvenanceStatement.MEDIA_TYPE, attached.tag()));
            });
        }
        sign(build, null, digest, made, warnings);
    }

    private void sign(BuildFacts build, Platform platform, String digest, List<BuildOutcome.Attestation> made,
            List<String> warnings) {
        if (!build.wanted().signatures() || signatures.isEmpty()) {
            return;
        }
        attempt(build, warnings, BuildErrorCode.SIGNING_FAILED, platform, "signature", () -> {
            CosignSignatures.Signed signed = signatures.get().sign(build.host(), build.repository(), digest);
            made.add(new BuildOutcome.Attestation(BuildOutcome.Attestation.Kind.SIGNATURE, platform, digest, signed.digest(),
                    CosignSignatures.PAYLOAD_MEDIA_TYPE, signed.tag()));
        });
    }

    /**
     * Runs one attachment: a registry that does not answer is left to the assembly's retry; any
     * other failure ends the build with {@code code}, or is a warning under best effort.
     */
    private static void attempt(BuildFacts build, List<String> warnings, BuildErrorCode code, Platform platform, String what,
            Runnable step) {
        try {
            step.run();
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.UNAVAILABLE) {
                throw e;
            }
            fail(build, warnings,
                    new AttachmentFailure(code, platform, (platform == null ? "index" : platform.ociName()) + ": the "
                            + what + " failed: " + e.getMessage()));
        } catch (AttachmentFailure e) {
            fail(build, warnings, e);
        } catch (RuntimeException e) {
            fail(build, warnings,
                    new AttachmentFailure(code, platform, (platform == null ? "index" : platform.ociName()) + ": the "
                            + what + " failed: " + e.getMessage()));
        }
    }

    private static void fail(BuildFacts build, List<String> warnings, AttachmentFailure failure) {
        if (!build.wanted().bestEffort()) {
            throw failure;
        }
        warnings.add(failure.getMessage() + " (best effort: the build goes on)");
    }

    private static Map<String, Object> internal(ChildImage child) {
        Map<String, Object> internal = new LinkedHashMap<>();
        internal.put("platform", child.platform().ociName());
        internal.put("emulated", child.emulated());
        if (child.builder() != null) {
            internal.put("executor", child.builder().executor());
            internal.put("storageDriver", child.builder().storageDriver());
            internal.put("isolation", child.builder().isolation());
            internal.put("layerCache", child.builder().layerCache());
            internal.put("format", child.builder().format());
        }
        return internal;
    }

    private static String builderId(ChildImage child) {
        return "urn:archipelago:worker:" + child.workerId() + ":" + child.platform().ociName();
    }

    private static List<ProvenanceStatement.Dependency> childDependencies(BuildFacts build, ChildImage child) {
        List<ProvenanceStatement.Dependency> dependencies = new ArrayList<>(sourceDependencies(build));
        base(child).ifPresent(dependencies::add);
        return dependencies;
    }

    /** The base image buildah recorded in the image's annotations (OCI base image annotations), for its platform. */
    static Optional<ProvenanceStatement.Dependency> base(ChildImage child) {
        JsonNode annotations = child.manifest().path("annotations");
        String digest = annotations.path(ANNOTATION_BASE_DIGEST).asText("");
        if (!digest.startsWith("sha256:")) {
            return Optional.empty();
        }
        String name = annotations.path(ANNOTATION_BASE_NAME).asText("");
        return Optional.of(
                new ProvenanceStatement.Dependency("oci://" + (name.isEmpty() ? "base" : Redaction.maskUrlCredentials(name)),
                        Map.of("sha256", ProvenanceStatement.hex(digest)),
                        Map.of("platform", child.platform().ociName(), "role", "base image")));
    }

    private static List<ProvenanceStatement.Dependency> sourceDependencies(BuildFacts build) {
        if (build.bundle() != null) {
            String digest = build.bundle().substring(build.bundle().indexOf('@') + 1);
            return List.of(new ProvenanceStatement.Dependency("oci://" + build.bundle(),
                    Map.of("sha256", ProvenanceStatement.hex(digest)), Map.of("role", "build context from the CLI")));
        }
        String uri = "git+" + Redaction.maskUrlCredentials(build.git()) + (build.ref() == null ? "" : "@" + build.ref());
        return List.of(new ProvenanceStatement.Dependency(uri, Map.of("gitCommit", build.commit()), Map.of("role", "source")));
    }

    private static Map<String, String> annotations(BuildFacts build, Instant created, String predicateType) {
        Map<String, String> annotations = new LinkedHashMap<>();
        if (created != null) {
            annotations.put("org.opencontainers.image.created", DateTimeFormatter.ISO_INSTANT.format(created));
        }
        annotations.put("dev.archipelago.build-id", build.buildId());
        if (predicateType != null) {
            annotations.put("in-toto.io/predicate-type", predicateType);
        }
        return annotations;
    }
}
