package dev.archipelago.dispatcher.service;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.archipelago.dispatcher.repository.Build;
import dev.archipelago.dispatcher.repository.BuildPlatform;
import dev.archipelago.dispatcher.repository.BuildRepository;
import dev.archipelago.dispatcher.repository.BuildState;
import dev.archipelago.dispatcher.repository.PlatformState;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.model.json.EventJson;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;

/**
 * Keeps the read model in step with the workers' results and the assembler's outcomes.
 *
 * <p>
 * Idempotent and safe out of order: within an attempt a platform's state only moves forward
 * (QUEUED, BUILDING, then SUCCEEDED or FAILED), events of an older attempt are ignored, and once
 * a build is SUCCEEDED or CANCELLED nothing changes it; a FAILED build keeps recording its
 * platforms' results, because its outcome can overtake them and retry rebuilds only what failed. Each event locks its build
 * row, so events of one build
 * apply one after the other even across dispatcher replicas.
 */
@ApplicationScoped
public class BuildProgress {

    private final BuildRepository builds;
    private final MeterRegistry metrics;

    public BuildProgress(BuildRepository builds, MeterRegistry metrics) {
        this.builds = builds;
        this.metrics = metrics;
    }

    /** @return whether the event changed the build */
    @Transactional
    public boolean apply(ArchBuildEvent event) {
        Build build = find(event.buildId());
        if (build == null) {
            Log.debugf("build %s: result for an unknown build ignored", event.buildId());
            return false;
        }
        BuildPlatform row = build.platform(event.platform().ociName());
        if (row == null) {
            Log.warnf("build %s: result for %s, which the build does not have, ignored", build.id, event.platform());
            return false;
        }
        PlatformState next = switch (event.type()) {
            case STARTED -> PlatformState.BUILDING;
            case SUCCEEDED -> PlatformState.SUCCEEDED;
            case FAILED -> PlatformState.FAILED;
        };
        if (next.isFinal() && row.state == next && row.workerId == null && event.attempt() == row.attempt
                && build.state != BuildState.CANCELLED
                && (event.artifact() == null || row.digest == null || event.artifact().digest().equals(row.digest))) {
            // the outcome overtook this result (they travel on different topics) and set the platform's
            // state from its own summary: keep the worker's details (worker, log tail, full message)
            row.workerId = event.workerId();
            row.emulated = event.emulated();
            row.reused = event.reused();
            row.reusedFrom = event.reusedFrom();
            row.startedAt = row.startedAt == null ? event.occurredAt() : row.startedAt;
            if (event.error() != null) {
                row.errorCode = event.error().code().name();
                row.errorMessage = event.error().message();
                row.logTail = String.join("\n", event.error().logTail());
            }
            touch(build, event.occurredAt());
            return true;
        }
        // A FAILED build still records what its platforms did (its outcome may overtake their results,
        // and retry must know which succeeded); SUCCEEDED and CANCELLED builds change no more.
        boolean closed = build.state == BuildState.SUCCEEDED || build.state == BuildState.CANCELLED;
        if (closed || event.attempt() < row.attempt
                || (event.attempt() == row.attempt && row.state.rank() >= next.rank())) {
            Log.debugf("build %s: %s %s of attempt %d changes nothing", build.id, event.platform(), event.type(),
                    event.attempt());
            return false;
        }
        row.state = next;
        row.attempt = event.attempt();
        row.workerId = event.workerId();
        row.emulated = event.emulated();
        if (event.type() == ArchBuildEvent.Type.STARTED) {
            row.startedAt = event.occurredAt();
        } else {
            row.finishedAt = event.occurredAt();
            if (row.startedAt == null) {
                row.startedAt = event.occurredAt();
            }
        }
        if (event.artifact() != null) {
            row.reused = event.reused();
            row.reusedFrom = event.reusedFrom();
            row.digest = event.artifact().digest();
            row.mediaType = event.artifact().mediaType();
            row.sizeBytes = event.artifact().size();
        }
        if (event.error() != null) {
            row.errorCode = event.error().code().name();
            row.errorMessage = event.error().message();
            row.logTail = String.join("\n", event.error().logTail());
        }
        if (event.durations() != null && event.type() != ArchBuildEvent.Type.STARTED) {
            Timer.builder("archipelago.platform.build").tag("platform", row.platform).tag("outcome", event.type().name())
                    .register(metrics).record(Duration.ofMillis(event.durations().totalMs()));
        }
        if (!build.state.isFinal()) {
            build.state = stateFromPlatforms(build);
        }
        touch(build, event.occurredAt());
        Log.infof("build %s: %s %s (attempt %d) -> build %s", build.id, event.platform(), event.type(), event.attempt(),
                build.state);
        return true;
    }

    /** @return whether the outcome changed the build */
    @Transactional
    public boolean apply(BuildOutcome outcome) {
        Build build = find(outcome.buildId());
        if (build == null) {
            Log.debugf("build %s: outcome for an unknown build ignored", outcome.buildId());
            return false;
        }
        if (build.state == BuildState.CANCELLED && outcome.type() == BuildOutcome.Type.INDEX_PUSHED
                && build.indexDigest == null) {
            // the cancel reached the assembler after it had begun the push: the build stays CANCELLED, and says
            // that its index exists all the same (decision 10)
            build.indexDigest = outcome.index().digest();
            build.indexMediaType = outcome.index().mediaType();
            build.errorMessage = "cancelled on request, but the assembler had already pushed the index";
            touch(build, outcome.occurredAt());
            Log.warnf("build %s: cancelled, but its index %s had been pushed before the cancel reached the assembler",
                    build.id, outcome.index().digest());
            return true;
        }
        if (build.state.isFinal() || outcome.attempt() < build.attempt) {
            Log.debugf("build %s: outcome %s of attempt %d changes nothing", build.id, outcome.type(), outcome.attempt());
            return false;
        }
        Instant at = outcome.occurredAt();
        if (outcome.type() == BuildOutcome.Type.INDEX_PUSHED) {
            build.state = BuildState.SUCCEEDED;
            build.indexDigest = outcome.index().digest();
            build.indexMediaType = outcome.index().mediaType();
            build.attestationsJson = EventJson.encodeToString(outcome.index().attestations());
            build.warningsJson = EventJson.encodeToString(outcome.index().warnings());
            // the outcome may overtake the last results: its children say what each platform pushed
            for (BuildOutcome.Child child : outcome.index().children()) {
                BuildPlatform row = build.platform(child.platform().ociName());
                if (row != null && row.state != PlatformState.SUCCEEDED) {
                    row.state = PlatformState.SUCCEEDED;
                    row.digest = child.digest();
                    row.mediaType = child.mediaType();
                    row.sizeBytes = child.size();
                    row.emulated = child.emulated();
                    row.finishedAt = at;
                }
            }
        } else {
            build.state = BuildState.FAILED;
            build.errorCode = outcome.error().code().name();
            build.errorMessage = outcome.error().message();
            for (BuildOutcome.PlatformFailure failure : outcome.failedPlatforms()) {
                BuildPlatform row = build.platform(failure.platform().ociName());
                if (row != null && !row.state.isFinal()) {
                    row.state = PlatformState.FAILED;
                    row.errorCode = failure.code().name();
                    row.errorMessage = failure.message();
                    row.finishedAt = at;
                }
            }
        }
        build.finishedAt = at;
        touch(build, at);
        metrics.counter("archipelago.builds.finished", "state", build.state.name()).increment();
        Log.infof("build %s: outcome %s -> %s", build.id, outcome.type(), build.state);
        return true;
    }

    private Build find(String buildId) {
        UUID id;
        try {
            id = UUID.fromString(buildId);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return builds.findForUpdate(id).orElse(null);
    }

    private static BuildState stateFromPlatforms(Build build) {
        boolean partial = EventJson.decode(build.requestJson, ArchBuildRequest.class).allowPartial();
        long succeeded = build.platforms.stream().filter(p -> p.state == PlatformState.SUCCEEDED).count();
        boolean allFinal = build.platforms.stream().allMatch(p -> p.state.isFinal());
        if (succeeded == build.platforms.size() || (partial && allFinal && succeeded > 0)) {
            return BuildState.ASSEMBLING;
        }
        boolean anyMoved = build.platforms.stream().anyMatch(p -> p.state != PlatformState.QUEUED);
        return anyMoved ? BuildState.BUILDING : BuildState.QUEUED;
    }

    private static void touch(Build build, Instant at) {
        Instant now = Instant.now();
        build.updatedAt = at != null && at.isAfter(now) ? at : now;
    }
}
