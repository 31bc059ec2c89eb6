package dev.archipelago.assembler.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.archipelago.assembler.config.AssemblerConfig;
import dev.archipelago.assembler.repository.Assembly;
import dev.archipelago.assembler.repository.AssemblyRepository;
import dev.archipelago.assembler.repository.AssemblyResult;
import dev.archipelago.assembler.repository.Cancel;
import dev.archipelago.assembler.repository.CancelRepository;
import dev.archipelago.assembler.supplychain.ExternalParameters;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.BuildCancel;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.json.EventJson;
import io.quarkus.logging.Log;

/**
 * The durable join of a build's results. Replicas handle results side by side; each result is
 * stored under the build's row lock (its first under a creation lock, so that one row is made
 * however many replicas see a build's first results at once) and decides what the build needs next: wait, assemble (every
 * expected
 * platform succeeded, or all finished with some success when the request allowed a partial
 * index), or fail.
 *
 * <p>
 * Within an attempt a platform only moves forward; an older attempt's result changes nothing;
 * a newer attempt (the dispatcher's retry of failed platforms) reopens a FAILED build and keeps
 * the platforms that had succeeded. A PUSHED or CANCELLED build changes no more.
 */
@ApplicationScoped
public class JoinService {

    private static final Map<String, Integer> RANK = Map.of("STARTED", 1, "SUCCEEDED", 2, "FAILED", 2);

    private final AssemblyRepository assemblies;
    private final CancelRepository cancels;
    private final AssemblerConfig config;

    public JoinService(AssemblyRepository assemblies, CancelRepository cancels, AssemblerConfig config) {
        this.assemblies = assemblies;
        this.cancels = cancels;
        this.config = config;
    }

    /** Stores a result; returns the build's state after it. */
    @Transactional
    public Assembly.State record(ArchBuildEvent event) {
        Instant now = Instant.now();
        Assembly assembly = assemblies.findForUpdate(event.buildId()).orElse(null);
        if (assembly == null) {
            // the build's first result here: whoever creates the row holds the build's creation lock, and a
            // result that waited for it finds the row the other one made
            assemblies.lockCreation(event.buildId());
            assembly = assemblies.findForUpdate(event.buildId()).orElseGet(() -> create(event, now));
        }
        if (assembly.state == Assembly.State.PUSHED || assembly.state == Assembly.State.CANCELLED) {
            return assembly.state;
        }
        if (event.attempt() > assembly.attempt) {
            assembly.attempt = event.attempt();
            assembly.deadline = deadline(event);
            if (assembly.state == Assembly.State.FAILED) {
                Log.infof("build %s: attempt %d reopens the join", assembly.buildId, event.attempt());
                assembly.state = Assembly.State.COLLECTING;
                assembly.outcomeJson = null;
                assembly.outcomePublishedAt = null;
            }
        }
        if (assembly.state == Assembly.State.FAILED) {
            return assembly.state;
        }
        String platform = event.platform().ociName();
        if (!assembly.expectedPlatforms().contains(platform)) {
            fail(assembly, event.attempt(), BuildErrorCode.CHILD_PLATFORM_MISMATCH, "a result arrived for " + platform
                    + ", which build " + assembly.buildId + " did not ask for (expected " + assembly.platforms + ")", List.of(),
                    now);
            return assembly.state;
        }
        AssemblyResult row = assembly.result(platform);
        if (row == null) {
            row = new AssemblyResult();
            row.assembly = assembly;
            row.platform = platform;
            assembly.results.add(row);
        } else if (event.attempt() < row.attempt
                || (event.attempt() == row.attempt && RANK.get(row.state) >= RANK.get(event.type().name()))) {
            return assembly.state;
        }
        row.attempt = event.attempt();
        row.state = event.type().name();
        row.workerId = event.workerId();
        row.emulated = event.emulated();
        row.updatedAt = now;
        if (event.type() == ArchBuildEvent.Type.STARTED) {
            row.startedAt = event.occurredAt();
            row.finishedAt = null;
        } else {
            row.finishedAt = event.occurredAt();
        }
        row.builderJson = event.builder() == null ? null : EventJson.encodeToString(event.builder());
        if (event.artifact() != null) {
            row.digest = event.artifact().digest();
            row.mediaType = event.artifact().mediaType();
            row.sizeBytes = event.artifact().size();
        }
        if (event.error() != null) {
            row.errorCode = event.error().code().name();
            row.errorMessage = event.error().message();
        }
        assembly.lastResultAt = now;
        assembly.updatedAt = now;
        decide(assembly, now);
        return assembly.state;
    }

    /**
     * Records that the dispatcher cancelled the build: an assembly not yet pushed becomes CANCELLED
     * (and a READY one is not assembled), one that does not exist yet starts CANCELLED. No outcome
     * is published: the dispatcher has already ended the build. Returns the state after it.
     */
    @Transactional
    public Assembly.State cancel(BuildCancel cancel) {
        Instant now = Instant.now();
        Cancel row = cancels.findById(cancel.buildId());
        if (row == null) {
            row = new Cancel();
            row.buildId = cancel.buildId();
            row.attempt = cancel.attempt();
            row.cancelledAt = now;
            cancels.persist(row);
        } else {
            row.attempt = Math.max(row.attempt, cancel.attempt());
        }
        Assembly assembly = assemblies.findForUpdate(cancel.buildId()).orElse(null);
        if (assembly == null) {
            return null;
        }
        if (assembly.state == Assembly.State.COLLECTING || assembly.state == Assembly.State.READY
                || assembly.state == Assembly.State.FAILED) {
            assembly.state = Assembly.State.CANCELLED;
            assembly.outcomeJson = null;
            assembly.updatedAt = now;
            Log.infof("build %s: cancelled, no index will be pushed", cancel.buildId());
        } else {
            Log.infof("build %s: cancel came after the build was %s; nothing to stop", cancel.buildId(), assembly.state);
        }
        return assembly.state;
    }

    /** Fails an assembly whose platforms did not all report by its deadline; returns whether it did. */
    @Transactional
    public boolean timeOut(String buildId, Instant now) {
        Assembly assembly = assemblies.findForUpdate(buildId).orElse(null);
        if (assembly == null || assembly.state != Assembly.State.COLLECTING || assembly.deadline.isAfter(now)) {
            return false;
        }
        List<String> missing = assembly.expectedPlatforms().stream().filter(p -> !isFinal(assembly.result(p))).toList();
        List<BuildOutcome.PlatformFailure> failures = missing.stream().map(p -> new BuildOutcome.PlatformFailure(
                Platform.parse(p), BuildErrorCode.TIMEOUT, "no result within the build's timeout")).toList();
        fail(assembly, assembly.attempt, BuildErrorCode.TIMEOUT, "timed out waiting for " + String.join(", ", missing)
                + " (timeout plus " + config.timeoutGrace().toSeconds() + " s grace)", failures, now);
        Log.warnf("build %s: TIMEOUT, no result from %s", buildId, missing);
        return true;
    }

    private void decide(Assembly assembly, Instant now) {
        List<String> expected = assembly.expectedPlatforms();
        List<AssemblyResult> failed = expected.stream().map(assembly::result).filter(r -> r != null && r.state.equals("FAILED"))
                .toList();
        long succeeded = expected.stream().map(assembly::result).filter(r -> r != null && r.state.equals("SUCCEEDED")).count();
        boolean allFinal = expected.stream().allMatch(p -> isFinal(assembly.result(p)));
        if (!failed.isEmpty() && !assembly.allowPartial) {
            List<BuildOutcome.PlatformFailure> failures = failed.stream().map(r -> new BuildOutcome.PlatformFailure(
                    Platform.parse(r.platform), BuildErrorCode.valueOf(r.errorCode), r.errorMessage)).toList();
            fail(assembly, assembly.attempt, BuildErrorCode.PLATFORMS_FAILED, failed.stream()
                    .map(r -> r.platform + " failed with " + r.errorCode).collect(Collectors.joining("; "))
                    + "; no index was pushed", failures, now);
        } else if (succeeded == expected.size() || (assembly.allowPartial && allFinal && succeeded > 0)) {
            assembly.state = Assembly.State.READY;
        } else if (allFinal) {
            fail(assembly, assembly.attempt, BuildErrorCode.PLATFORMS_FAILED, "every platform failed", failed.stream()
                    .map(r -> new BuildOutcome.PlatformFailure(Platform.parse(r.platform), BuildErrorCode.valueOf(r.errorCode),
                            r.errorMessage))
                    .toList(), now);
        }
    }

    static void fail(Assembly assembly, int attempt, BuildErrorCode code, String message,
            List<BuildOutcome.PlatformFailure> failures, Instant now) {
        assembly.state = Assembly.State.FAILED;
        assembly.claimedUntil = null;
        assembly.outcomeJson = EventJson
                .encodeToString(BuildOutcome.failed(assembly.buildId, attempt, new ArrayList<>(failures),
                        new BuildOutcome.Error(code, message), now));
        assembly.outcomePublishedAt = null;
        assembly.updatedAt = now;
    }

    private static boolean isFinal(AssemblyResult result) {
        return result != null && (result.state.equals("SUCCEEDED") || result.state.equals("FAILED"));
    }

    private Assembly create(ArchBuildEvent event, Instant now) {
        Assembly assembly = new Assembly();
        assembly.buildId = event.buildId();
        assembly.attempt = event.attempt();
        assembly.platforms = event.platforms().stream().sorted().map(Platform::ociName).collect(Collectors.joining(","));
        assembly.repository = event.image().repository();
        assembly.indexTags = String.join(",", event.image().indexTags());
        assembly.sourceGit = event.source().git();
        assembly.sourceCommit = event.source().commit();
        assembly.sourceBundle = event.source().bundle();
        assembly.sourceRef = event.source().ref();
        assembly.supplyChainJson = event.image().supplyChain() == null ? null
                : EventJson.encodeToString(event.image().supplyChain());
        assembly.parametersJson = ExternalParameters.of(event);
        assembly.allowPartial = event.allowPartial();
        assembly.requestedAt = event.requestedAt();
        assembly.deadline = deadline(event);
        Cancel cancelled = cancels.findById(event.buildId());
        assembly.state = cancelled != null && cancelled.attempt >= event.attempt() ? Assembly.State.CANCELLED
                : Assembly.State.COLLECTING;
        assembly.createdAt = now;
        assembly.updatedAt = now;
        assemblies.persist(assembly);
        return assembly;
    }

    private Instant deadline(ArchBuildEvent event) {
        return event.requestedAt().plusSeconds(event.timeoutSeconds()).plus(config.timeoutGrace());
    }
}
