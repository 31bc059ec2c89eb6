package dev.archipelago.dispatcher.service;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.PersistenceException;

import dev.archipelago.dispatcher.client.GitRefResolver;
import dev.archipelago.dispatcher.config.DispatcherConfig;
import dev.archipelago.dispatcher.repository.Build;
import dev.archipelago.dispatcher.repository.BuildPlatform;
import dev.archipelago.dispatcher.repository.BuildRepository;
import dev.archipelago.dispatcher.repository.BuildState;
import dev.archipelago.dispatcher.repository.PlatformState;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildCancel;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.events.BuildRequest;
import dev.archipelago.model.events.ImageTarget;
import dev.archipelago.model.events.PinnedSource;
import dev.archipelago.model.events.Schema;
import dev.archipelago.model.json.EventJson;
import dev.archipelago.model.messaging.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;

/** Accepts builds, fans them out through the outbox, retries and cancels them, and answers queries. */
@ApplicationScoped
public class BuildService {

    private final BuildRequestValidator validator;
    private final GitRefResolver refs;
    private final WorkerRegistry workers;
    private final BuildRepository builds;
    private final Outbox outbox;
    private final BuildUpdates updates;
    private final DispatcherConfig config;
    private final MeterRegistry metrics;

    public BuildService(BuildRequestValidator validator, GitRefResolver refs, WorkerRegistry workers, BuildRepository builds,
            Outbox outbox, BuildUpdates updates, DispatcherConfig config, MeterRegistry metrics) {
        this.validator = validator;
        this.refs = refs;
        this.workers = workers;
        this.builds = builds;
        this.outbox = outbox;
        this.updates = updates;
        this.config = config;
        this.metrics = metrics;
    }

    /**
     * Takes a build from the API: validates the request, checks the caller's permission and that
     * every platform has a live worker (409 otherwise), pins its ref to a commit, stores the build
     * and writes one request per platform to the outbox, all in one transaction.
     */
    public BuildView accept(BuildRequest request, PushPermission permission) {
        return accept(request, Origin.api(permission));
    }

    /**
     * Takes a build from a webhook: like {@link #accept(BuildRequest, PushPermission)} with the
     * commit already known (the pushed one), so the ref is not resolved again and cannot have moved on.
     *
     * @param submissionKey unique per delivery, so that a redelivered one returns the build it made the first time
     */
    public BuildView acceptPushed(BuildRequest request, String submissionKey, String pushedCommit) {
        return accept(request, Origin.push(submissionKey, pushedCommit));
    }

    /**
     * Takes a {@code BuildRequest} record from the submit topic (trusted by the topic's ACL). Like
     * {@link #accept(BuildRequest, PushPermission)}, except that a build that cannot start now because a platform has no live
     * worker is stored
     * FAILED with {@code NO_LIVE_WORKER} (visible in the API, and retried with {@code POST
     * .../retry}) instead of being refused: a Kafka producer has nobody waiting for a 409.
     *
     * @param submissionKey the record's topic, partition and offset, so that a redelivered record returns the build it made
     */
    public BuildView acceptSubmission(BuildRequest request, String submissionKey) {
        ValidatedRequest valid = validator.validate(request);
        BuildView existing = existing(submissionKey);
        if (existing != null) {
            return existing;
        }
        String commit = pin(valid, null);
        NotStarted notStarted = workers.missingLive(valid.platforms(), valid.allowEmulation())
                .map(why -> new NotStarted(BuildErrorCode.NO_LIVE_WORKER, "not started: " + why
                        + "; retry the build once a worker is live"))
                .orElse(null);
        return storeNew(valid, commit, submissionKey, notStarted);
    }

    /**
     * Where a build that is refused when it cannot start comes from.
     *
     * @param submissionKey unique per delivery of a webhook, so that a redelivery returns the build it made; none from the API
     * @param pinnedCommit the commit a webhook pushed; none from the API (the ref is resolved now)
     * @param permission what the caller may push to
     */
    private record Origin(String submissionKey, String pinnedCommit, PushPermission permission) {

        static Origin api(PushPermission permission) {
            return new Origin(null, null, permission);
        }

        static Origin push(String submissionKey, String pushedCommit) {
            return new Origin(submissionKey, pushedCommit, PushPermission.TRUSTED);
        }
    }

    private BuildView accept(BuildRequest request, Origin origin) {
        ValidatedRequest valid = validator.validate(request);
        origin.permission().check(valid.repository().name());
        if (valid.bundle() != null) {
            // the workers pull the context with their credentials: only from where the caller may push itself
            origin.permission().check(valid.bundle().name());
        }
        BuildView existing = existing(origin.submissionKey());
        if (existing != null) {
            return existing;
        }
        workers.checkLive(valid.platforms(), valid.allowEmulation());
        return storeNew(valid, pin(valid, origin.pinnedCommit()), origin.submissionKey(), null);
    }

    /** The commit every platform builds: given (a webhook's), or the ref resolved now; none for a bundle. */
    private String pin(ValidatedRequest valid, String pinnedCommit) {
        if (valid.bundle() != null) {
            return null;
        }
        return pinnedCommit != null ? pinnedCommit : refs.resolve(valid.gitUrl(), valid.ref());
    }

    /** Why a stored build did not start: it is stored FAILED with this code on every platform. */
    private record NotStarted(BuildErrorCode code, String message) {
    }

    private BuildView existing(String submissionKey) {
        return submissionKey == null ? null
                : QuarkusTransaction.requiringNew()
                        .call(() -> builds.findBySubmissionKey(submissionKey).map(this::view).orElse(null));
    }

    private BuildView storeNew(ValidatedRequest valid, String commit, String submissionKey, NotStarted notStarted) {
        UUID id = UUID.randomUUID();
        BuildView view;
        try {
            view = QuarkusTransaction.requiringNew().call(() -> store(id, valid, commit, submissionKey, notStarted));
        } catch (PersistenceException e) {
            if (submissionKey != null) {
                // another consumer of the same submission won the race
                return QuarkusTransaction.requiringNew().call(() -> builds.findBySubmissionKey(submissionKey).map(this::view))
                        .orElseThrow(() -> e);
            }
            throw e;
        }
        if (notStarted == null) {
            metrics.counter("archipelago.builds.accepted").increment();
            Log.infof("build %s accepted: %s at %s for %s", id, valid.repository(), commit != null ? commit : valid.bundle(),
                    valid.platforms());
        } else {
            metrics.counter("archipelago.builds.finished", "state", BuildState.FAILED.name()).increment();
            Log.warnf("build %s stored FAILED (%s): %s", id, notStarted.code(), notStarted.message());
        }
        updates.changed(id);
        return view;
    }

    private BuildView store(UUID id, ValidatedRequest valid, String commit, String submissionKey, NotStarted notStarted) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ArchBuildRequest template = new ArchBuildRequest(Schema.CURRENT, id.toString(), 1, valid.platforms().get(0),
                valid.platforms(), valid.bundle() != null
                        ? PinnedSource.ofBundle(valid.bundle().toString(), valid.contextDir(), valid.dockerfile())
                        : PinnedSource.ofCommit(valid.gitUrl(), valid.ref(), commit, valid.contextDir(), valid.dockerfile()),
                new ImageTarget(valid.repository().name(), valid.tag(), valid.tags().archTag(valid.platforms().get(0)),
                        valid.tags().indexTags(), valid.supplyChain()),
                valid.buildArgs(), valid.labels(), valid.timeoutSeconds(), valid.allowPartial(), now, valid.rebuild());

        Build build = new Build();
        build.id = id;
        build.state = BuildState.QUEUED;
        build.attempt = 1;
        build.gitUrl = valid.gitUrl();
        build.gitRef = valid.ref();
        build.commit = commit;
        build.bundle = valid.bundle() == null ? null : valid.bundle().toString();
        build.repository = valid.repository().name();
        build.tag = valid.tag();
        build.requestJson = EventJson.encodeToString(template);
        build.submissionKey = submissionKey;
        if (valid.commitStatus() != null) {
            build.statusTarget = valid.commitStatus().target();
            build.statusProject = valid.commitStatus().project();
        }
        build.createdAt = now;
        build.updatedAt = now;
        if (notStarted != null) {
            build.state = BuildState.FAILED;
            build.errorCode = notStarted.code().name();
            build.errorMessage = notStarted.message();
            build.finishedAt = now;
        }
        for (Platform platform : valid.platforms()) {
            BuildPlatform row = new BuildPlatform();
            row.build = build;
            row.platform = platform.ociName();
            row.state = notStarted == null ? PlatformState.QUEUED : PlatformState.FAILED;
            row.attempt = 1;
            row.archTag = valid.tags().archTag(platform);
            if (notStarted != null) {
                row.errorCode = notStarted.code().name();
                row.errorMessage = notStarted.message();
                row.finishedAt = now;
            }
            build.platforms.add(row);
        }
        builds.persist(build);
        if (notStarted == null) {
            for (BuildPlatform row : build.platforms) {
                publishRequest(build, template, row, now);
            }
        }
        builds.flush();
        return view(build);
    }

    /** Rebuilds the platforms of a FAILED build that did not succeed, as attempt n+1. */
    public BuildView retry(UUID id, PushPermission permission) {
        BuildView view = QuarkusTransaction.requiringNew().call(() -> {
            Build build = builds.findForUpdate(id).orElseThrow(() -> notFound(id));
            permission.check(build.repository);
            if (build.state != BuildState.FAILED) {
                throw ApiProblem.conflict("build " + id + " is " + build.state + "; only a FAILED build can be retried");
            }
            ArchBuildRequest template = EventJson.decode(build.requestJson, ArchBuildRequest.class);
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            build.attempt++;
            build.state = BuildState.QUEUED;
            build.errorCode = null;
            build.errorMessage = null;
            build.finishedAt = null;
            build.updatedAt = now;
            List<BuildPlatform> again = build.platforms.stream().filter(p -> p.state != PlatformState.SUCCEEDED).toList();
            for (BuildPlatform row : again) {
                row.state = PlatformState.QUEUED;
                row.attempt = build.attempt;
                row.workerId = null;
                row.digest = null;
                row.mediaType = null;
                row.sizeBytes = null;
                row.errorCode = null;
                row.errorMessage = null;
                row.logTail = null;
                row.startedAt = null;
                row.finishedAt = null;
                publishRequest(build, template, row, now);
            }
            builds.flush();
            Log.infof("build %s retried as attempt %d for %s", id, build.attempt, again.stream().map(p -> p.platform).toList());
            return view(build);
        });
        updates.changed(id);
        return view;
    }

    /**
     * Marks a build CANCELLED and asks the workers of its unfinished platforms to stop, and the
     * assembler not to push its index. A build that is ASSEMBLING (every platform built, the index
     * being pushed) is refused with 409: there is nothing left to stop (decision 10).
     */
    public BuildView cancel(UUID id, PushPermission permission) {
        BuildView view = QuarkusTransaction.requiringNew().call(() -> {
            Build build = builds.findForUpdate(id).orElseThrow(() -> notFound(id));
            permission.check(build.repository);
            if (build.state.isFinal()) {
                throw ApiProblem.conflict("build " + id + " is already " + build.state + "; nothing to cancel");
            }
            if (build.state == BuildState.ASSEMBLING) {
                throw ApiProblem.conflict("build " + id + " is ASSEMBLING: every platform is built and its index "
                        + "is being pushed; it can no longer be cancelled");
            }
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            build.state = BuildState.CANCELLED;
            build.errorCode = "CANCELLED";
            build.errorMessage = "cancelled on request";
            build.finishedAt = now;
            build.updatedAt = now;
            for (BuildPlatform row : build.platforms) {
                if (!row.state.isFinal()) {
                    row.state = PlatformState.CANCELLED;
                    row.finishedAt = now;
                    Platform platform = Platform.parse(row.platform);
                    outbox.add(Topics.requestsFor(platform), id.toString(), Topics.TYPE_BUILD_CANCEL,
                            new BuildCancel(Schema.CURRENT, id.toString(), row.attempt, platform, "cancelled on request", now));
                }
            }
            // behind the build's results, so that the assembler pushes no index even if the last result
            // reached it before this dispatcher had applied it
            outbox.add(Topics.RESULTS, id.toString(), Topics.TYPE_BUILD_CANCEL,
                    new BuildCancel(Schema.CURRENT, id.toString(), build.attempt, null, "cancelled on request", now));
            builds.flush();
            Log.infof("build %s cancelled", id);
            return view(build);
        });
        metrics.counter("archipelago.builds.finished", "state", BuildState.CANCELLED.name()).increment();
        updates.changed(id);
        return view;
    }

    public BuildView get(UUID id) {
        return QuarkusTransaction.requiringNew()
                .call(() -> builds.findByIdOptional(id).map(this::view).orElseThrow(() -> notFound(id)));
    }

    public List<BuildView> list(BuildState state, Integer limit) {
        int max = config.maxListLimit();
        int size = limit == null ? 50 : limit;
        if (size < 1 || size > max) {
            throw ApiProblem.badRequest("limit " + size + " is out of range; use 1 to " + max);
        }
        return QuarkusTransaction.requiringNew().call(() -> builds.newest(state, size).stream().map(this::view).toList());
    }

    private void publishRequest(Build build, ArchBuildRequest template, BuildPlatform row, Instant now) {
        Platform platform = Platform.parse(row.platform);
        ArchBuildRequest request = new ArchBuildRequest(Schema.CURRENT, build.id.toString(), row.attempt, platform,
                template.platforms(), template.source(),
                new ImageTarget(template.image().repository(), template.image().tag(), row.archTag,
                        template.image().indexTags(),
                        template.image().supplyChain()),
                template.buildArgs(), template.labels(), template.timeoutSeconds(), template.allowPartial(), now,
                template.rebuild());
        outbox.add(Topics.requestsFor(platform), build.id.toString(), Topics.TYPE_ARCH_BUILD_REQUEST, request);
    }

    BuildView view(Build build) {
        List<String> indexTags = EventJson.decode(build.requestJson, ArchBuildRequest.class).image().indexTags();
        return BuildView.of(build, indexTags);
    }

    static ApiProblem notFound(UUID id) {
        return ApiProblem.notFound("no build with id " + id);
    }
}
