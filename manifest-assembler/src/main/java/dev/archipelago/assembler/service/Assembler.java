package dev.archipelago.assembler.service;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.assembler.repository.Assembly;
import dev.archipelago.assembler.repository.AssemblyRepository;
import dev.archipelago.assembler.repository.AssemblyResult;
import dev.archipelago.assembler.supplychain.Attachments;
import dev.archipelago.failure.DependencyWaits;
import dev.archipelago.model.BuildContexts;
import dev.archipelago.model.ImageReference;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.events.SupplyChain;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Assembles a READY build: fetches each child manifest by digest (exact bytes), reads its config
 * and checks that it is the platform the worker reported, builds the index and PUTs it under every
 * index tag that does not already point at it. Registry calls run outside any transaction; the
 * build is claimed with a lease so that one thread or replica assembles it at a time.
 */
@ApplicationScoped
public class Assembler {

    private static final String ACCEPT_MANIFESTS = MediaTypes.OCI_MANIFEST + ", " + MediaTypes.DOCKER_MANIFEST;
    private static final Duration CLAIM = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AssemblyRepository assemblies;
    private final RegistryClient registry;
    private final MeterRegistry metrics;
    private final DependencyWaits waits;
    private final Attachments attachments;

    public Assembler(AssemblyRepository assemblies, RegistryClient registry, MeterRegistry metrics, DependencyWaits waits,
            Attachments attachments) {
        this.assemblies = assemblies;
        this.registry = registry;
        this.metrics = metrics;
        this.waits = waits;
        this.attachments = attachments;
    }

    /** What assembling needs, read in one transaction. */
    private record Snapshot(String buildId, int attempt, ImageReference repository, List<String> tags, String git,
            String ref, String commit, String bundle, Instant requestedAt, List<String> expected,
            List<IndexBuilder.Child> children, Map<Platform, Reported> reported, Instant lastResultAt,
            Instant deadline, SupplyChain supplyChain, String parametersJson) {
    }

    /** What a platform's worker reported beside its image: for the provenance. */
    private record Reported(String workerId, ArchBuildEvent.Builder builder, Instant startedAt, Instant finishedAt) {
    }

    /** Assembles the build if it is READY and nobody else holds it; returns whether it finished (pushed or failed). */
    public boolean assemble(String buildId) {
        Snapshot snapshot = QuarkusTransaction.requiringNew().call(() -> {
            if (!assemblies.claimReady(buildId, CLAIM)) {
                return null;
            }
            Assembly a = assemblies.findById(buildId);
            List<AssemblyResult> succeeded = a.expectedPlatforms().stream().map(a::result)
                    .filter(r -> r != null && r.state.equals("SUCCEEDED")).toList();
            List<IndexBuilder.Child> children = succeeded.stream()
                    .map(r -> new IndexBuilder.Child(Platform.parse(r.platform), r.digest, r.mediaType,
                            r.sizeBytes == null ? 0 : r.sizeBytes, r.emulated))
                    .toList();
            Map<Platform, Reported> reported = new LinkedHashMap<>();
            succeeded.forEach(r -> reported.put(Platform.parse(r.platform), new Reported(r.workerId,
                    r.builderJson == null ? null : EventJson.decode(r.builderJson, ArchBuildEvent.Builder.class), r.startedAt,
                    r.finishedAt != null ? r.finishedAt : r.updatedAt)));
            return new Snapshot(a.buildId, a.attempt, ImageReference.parseRepository(a.repository), a.tags(), a.sourceGit,
                    a.sourceRef, a.sourceCommit, a.sourceBundle, a.requestedAt, a.expectedPlatforms(), children, reported,
                    a.lastResultAt, a.deadline, a.supplyChainJson == null ? SupplyChain.DEFAULT
                            : EventJson.decode(a.supplyChainJson, SupplyChain.class),
                    a.parametersJson);
        });
        if (snapshot == null) {
            return false;
        }
        try {
            BuildOutcome.Index index = push(snapshot);
            List<Platform> missing = snapshot.expected().stream().map(Platform::parse)
                    .filter(p -> snapshot.children().stream().noneMatch(c -> c.platform().equals(p))).toList();
            BuildOutcome outcome = BuildOutcome.indexPushed(snapshot.buildId(), snapshot.attempt(), index, missing,
                    Instant.now());
            finish(snapshot.buildId(), Assembly.State.PUSHED, outcome, index);
            waits.succeeded("build " + buildId + ": index push");
            metrics.counter("archipelago.assemblies", "outcome", "INDEX_PUSHED").increment();
            if (snapshot.lastResultAt() != null) {
                metrics.timer("archipelago.assembly.join.latency")
                        .record(Duration.between(snapshot.lastResultAt(), Instant.now()));
            }
            Log.infof("build %s: index %s pushed to %s as %s with %d attestation(s)%s", snapshot.buildId(), index.digest(),
                    snapshot.repository().name(), snapshot.tags(), index.attestations().size(),
                    missing.isEmpty() ? "" : " (partial: missing " + missing + ")");
            return true;
        } catch (CancelledMeanwhile cancelled) {
            Log.infof("build %s: cancelled while it was being assembled; no index pushed", snapshot.buildId());
            return true;
        } catch (Attachments.AttachmentFailure failure) {
            fail(snapshot, new AssemblyFailure(failure.code, failure.platform, failure.getMessage()));
            return true;
        } catch (AssemblyFailure failure) {
            fail(snapshot, failure);
            return true;
        } catch (RegistryException e) {
            if (Instant.now().isAfter(snapshot.deadline())) {
                waits.succeeded("build " + buildId + ": index push");
                BuildOutcome outcome = BuildOutcome.failed(snapshot.buildId(), snapshot.attempt(), List.of(),
                        new BuildOutcome.Error(BuildErrorCode.INDEX_PUSH_FAILED, e.getMessage()), Instant.now());
                finish(snapshot.buildId(), Assembly.State.FAILED, outcome, null);
                return true;
            }
            waits.failed("build " + buildId + ": index push", e);
            QuarkusTransaction.requiringNew().run(() -> assemblies.update("claimedUntil = null where buildId = ?1", buildId));
            return false;
        }
    }

    private void fail(Snapshot snapshot, AssemblyFailure failure) {
        BuildOutcome outcome = BuildOutcome.failed(snapshot.buildId(), snapshot.attempt(), failure.platform == null ? List.of()
                : List.of(new BuildOutcome.PlatformFailure(failure.platform, failure.code, failure.getMessage())),
                new BuildOutcome.Error(failure.code, failure.getMessage()), Instant.now());
        finish(snapshot.buildId(), Assembly.State.FAILED, outcome, null);
        metrics.counter("archipelago.assemblies", "outcome", failure.code.name()).increment();
        Log.warnf("build %s: assembly failed with %s: %s", snapshot.buildId(), failure.code, failure.getMessage());
    }

    private BuildOutcome.Index push(Snapshot s) {
        String host = s.repository().apiHost();
        String repo = s.repository().repository();
        List<IndexBuilder.Child> verified = new ArrayList<>();
        List<Attachments.ChildImage> images = new ArrayList<>();
        for (IndexBuilder.Child child : s.children()) {
            Verified v = verify(host, repo, child);
            verified.add(v.child());
            Reported r = s.reported().get(child.platform());
            images.add(new Attachments.ChildImage(child.platform(), v.child().digest(), v.child().mediaType(), v.child().size(),
                    v.manifest(), r.workerId(), child.emulated(), r.builder(), r.startedAt(), r.finishedAt()));
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(IndexBuilder.ANNOTATION_CREATED, DateTimeFormatter.ISO_INSTANT.format(s.requestedAt()));
        if (s.bundle() == null) {
            annotations.put(IndexBuilder.ANNOTATION_SOURCE, s.git());
            annotations.put(IndexBuilder.ANNOTATION_REVISION, s.commit());
        } else {
            // a directory built by the CLI: its revision is the context's own digest
            annotations.put(IndexBuilder.ANNOTATION_REVISION, BuildContexts.parseReference(s.bundle()).digest());
            annotations.put(IndexBuilder.ANNOTATION_CONTEXT, s.bundle());
        }
        annotations.put(IndexBuilder.ANNOTATION_BUILD_ID, s.buildId());
        IndexBuilder.Index index;
        try {
            index = IndexBuilder.build(verified, annotations);
        } catch (IndexBuilder.MixedFormatsException e) {
            throw new AssemblyFailure(BuildErrorCode.MIXED_MANIFEST_FORMATS, null, e.getMessage());
        }
        // a cancel that reached the join while the children were verified stops the push here
        if (QuarkusTransaction.requiringNew().call(() -> assemblies.findById(s.buildId()).state) != Assembly.State.READY) {
            throw new CancelledMeanwhile();
        }
        // what goes beside the images, before any tag names the index: a build whose attachments fail is
        // never tagged (unless its request said best effort)
        Attachments.BuildFacts facts = new Attachments.BuildFacts(s.buildId(), s.attempt(), host, repo, parameters(s), s.git(),
                s.ref(), s.commit(), s.bundle(), s.supplyChain(), s.requestedAt(),
                s.lastResultAt() != null ? s.lastResultAt() : s.requestedAt());
        List<BuildOutcome.Attestation> attested = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        images.sort(Comparator.comparing(Attachments.ChildImage::platform));
        attachments.attachToChildren(facts, images, attested, warnings);
        if (s.supplyChain().provenance() || (s.supplyChain().signatures() && attachments.signs())) {
            // by digest, before any tag: the attachments need their subject in the registry
            indexCall(() -> registry.putManifest(host, repo, index.digest(), index.mediaType(), index.bytes()));
            attachments.attachToIndex(facts, index.digest(), index.mediaType(), index.size(), images, attested, warnings);
        }
        for (String tag : s.tags()) {
            if (indexCall(() -> registry.headManifest(host, repo, tag, index.mediaType()).filter(index.digest()::equals)
                    .isPresent())) {
                Log.infof("build %s: %s:%s already points at %s, not pushed again", s.buildId(), repo, tag, index.digest());
                continue;
            }
            indexCall(() -> registry.putManifest(host, repo, tag, index.mediaType(), index.bytes()));
        }
        List<BuildOutcome.Child> children = verified.stream().sorted(Comparator.comparing(IndexBuilder.Child::platform))
                .map(c -> new BuildOutcome.Child(c.platform(), c.digest(), c.mediaType(), c.size(), c.emulated())).toList();
        return new BuildOutcome.Index(s.repository().name(), s.tags(), index.digest(), index.mediaType(), index.size(),
                children,
                attested, warnings);
    }

    /**
     * A registry call of the index push: refused credentials and other refusals end the assembly
     * with their codes; a registry that does not answer is left to the retry.
     */
    private static <T> T indexCall(Supplier<T> call) {
        try {
            return call.get();
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.UNAUTHORIZED) {
                throw new AssemblyFailure(BuildErrorCode.INDEX_PUSH_UNAUTHORIZED, null, e.getMessage());
            }
            if (e.kind() != RegistryException.Kind.UNAVAILABLE) {
                throw new AssemblyFailure(BuildErrorCode.INDEX_PUSH_FAILED, null, e.getMessage());
            }
            throw e;
        }
    }

    private static JsonNode parameters(Snapshot s) {
        try {
            return s.parametersJson() == null ? JSON.createObjectNode() : JSON.readTree(s.parametersJson());
        } catch (IOException e) {
            throw new IllegalStateException("the stored parameters of build " + s.buildId() + " are not JSON", e);
        }
    }

    /** A child as fetched: its index entry and its manifest. */
    private record Verified(IndexBuilder.Child child, JsonNode manifest) {
    }

    /** Fetches a child by digest and checks its config's platform; returns it with its real type and size. */
    private Verified verify(String host, String repo, IndexBuilder.Child child) {
        Platform reported = child.platform();
        try {
            RegistryClient.Fetched manifest = registry.getManifest(host, repo, child.digest(), ACCEPT_MANIFESTS);
            JsonNode json = JSON.readTree(manifest.body());
            String type = json.hasNonNull("mediaType") ? json.get("mediaType").asText() : manifest.mediaType();
            if (!MediaTypes.IMAGE_MANIFESTS.contains(type)) {
                throw new AssemblyFailure(BuildErrorCode.CHILD_PLATFORM_MISMATCH, reported, reported + ": " + child.digest()
                        + " is a " + type + ", not a single-platform image manifest");
            }
            String configDigest = json.path("config").path("digest").asText();
            JsonNode config = JSON.readTree(registry.getBlob(host, repo, configDigest));
            String os = config.path("os").asText();
            String arch = config.path("architecture").asText();
            String variant = config.path("variant").asText("");
            Platform actual;
            try {
                actual = Platform.parse(os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant));
            } catch (IllegalArgumentException e) {
                throw new AssemblyFailure(BuildErrorCode.CHILD_PLATFORM_MISMATCH, reported, reported + ": the worker reported "
                        + reported + " but the image config of " + child.digest() + " says " + os + "/" + arch
                        + (variant.isEmpty() ? "" : "/" + variant));
            }
            if (!actual.equals(reported)) {
                throw new AssemblyFailure(BuildErrorCode.CHILD_PLATFORM_MISMATCH, reported, reported + ": the worker reported "
                        + reported + " but the image config of " + child.digest() + " says " + actual);
            }
            return new Verified(
                    new IndexBuilder.Child(reported, manifest.digest(), type, manifest.body().length, child.emulated()), json);
        } catch (RegistryException e) {
            switch (e.kind()) {
                case NOT_FOUND -> throw new AssemblyFailure(BuildErrorCode.CHILD_NOT_FOUND, reported, reported + ": manifest "
                        + child.digest() + " is not in " + host + "/" + repo);
                case UNAUTHORIZED ->
                    throw new AssemblyFailure(BuildErrorCode.INDEX_PUSH_UNAUTHORIZED, reported, e.getMessage());
                case INVALID ->
                    throw new AssemblyFailure(BuildErrorCode.CHILD_NOT_FOUND, reported, reported + ": " + e.getMessage());
                default -> throw e;
            }
        } catch (IOException e) {
            throw new AssemblyFailure(BuildErrorCode.CHILD_PLATFORM_MISMATCH, reported, reported + ": manifest or config of "
                    + child.digest() + " is not JSON");
        }
    }

    private void finish(String buildId, Assembly.State state, BuildOutcome outcome, BuildOutcome.Index index) {
        QuarkusTransaction.requiringNew().run(() -> {
            Assembly a = assemblies.findForUpdate(buildId).orElseThrow();
            if (a.state != Assembly.State.READY || a.attempt != outcome.attempt()) {
                return;
            }
            a.state = state;
            a.claimedUntil = null;
            a.outcomeJson = EventJson.encodeToString(outcome);
            a.outcomePublishedAt = null;
            if (index != null) {
                a.indexDigest = index.digest();
                a.indexMediaType = index.mediaType();
            }
            a.updatedAt = Instant.now();
        });
    }

    /** The build was cancelled after it was claimed for assembly and before its index was pushed. */
    static final class CancelledMeanwhile extends RuntimeException {
        CancelledMeanwhile() {
            super("cancelled", null, false, false);
        }
    }

    /** Why an assembly failed: a stable code, the platform at fault if any, a message that names both values. */
    static final class AssemblyFailure extends RuntimeException {
        final BuildErrorCode code;
        final Platform platform;

        AssemblyFailure(BuildErrorCode code, Platform platform, String message) {
            super(message);
            this.code = code;
            this.platform = platform;
        }
    }

}
