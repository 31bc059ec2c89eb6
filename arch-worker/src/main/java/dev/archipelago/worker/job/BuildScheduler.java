package dev.archipelago.worker.job;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.archipelago.failure.DependencyWaits;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildCancel;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.worker.config.WorkerConfig;
import dev.archipelago.worker.identity.PlatformIdentity;
import dev.archipelago.worker.identity.WorkerIdentity;
import dev.archipelago.worker.messaging.ResultsPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Runs at most {@code archipelago.worker.concurrency} builds at once on threads of its own, so the
 * Kafka poll loop never waits for a build. A request completes (and its record is acknowledged)
 * only after its result has been published; a request for a build that is running joins it, and
 * one for a build already finished re-emits the recorded result.
 */
@ApplicationScoped
public class BuildScheduler {

    private final WorkerConfig config;
    private final PlatformIdentity identity;
    private final ResultsPublisher results;
    private final CompletedBuilds completed;
    private final MeterRegistry metrics;
    private final BuildExecutor executor;
    private final String workerId;
    private final ExecutorService pool;
    private final Map<String, Running> jobs = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();

    private static final class Running {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile BuildExecutor.PlatformBuild job;
        volatile boolean cancelled;
    }

    public BuildScheduler(WorkerConfig config, PlatformIdentity identity, ResultsPublisher results, CompletedBuilds completed,
            MeterRegistry metrics, WorkerIdentity worker, BuildExecutor executor) {
        this.config = config;
        this.identity = identity;
        this.results = results;
        this.completed = completed;
        this.metrics = metrics;
        this.executor = executor;
        this.workerId = worker.id();
        this.pool = Executors.newFixedThreadPool(config.concurrency(), r -> new Thread(r, "build"));
        metrics.gauge("archipelago.worker.builds.in.flight", running);
        Log.infof("worker %s: %s, up to %d builds at once, %s", workerId, identity.platform(), config.concurrency(),
                executor.describe());
    }

    /**
     * At start, on the main thread: the Kubernetes client blocks, and the bean used to be created by
     * whichever thread first needed it, at times a Vert.x event loop, where the call fails.
     */
    void removeLeftoversAtStart(@Observes StartupEvent event) {
        executor.removeLeftovers(workerId);
    }

    void onShutdown(@Observes ShutdownEvent event) {
        jobs.values().forEach(r -> {
            if (r.job != null) {
                r.job.cancel();
            }
        });
        pool.shutdownNow();
    }

    /** Accepts a request; the stage completes when its result is on the results topic. */
    public CompletionStage<Void> submit(ArchBuildRequest request) {
        String key = key(request.buildId(), request.platform().ociName(), request.attempt());
        var earlier = completed.find(key);
        if (earlier.isPresent()) {
            Log.infof("build %s: %s attempt %d finished here before (%s); re-emitting its result", request.buildId(),
                    request.platform(), request.attempt(), earlier.get().type());
            return CompletableFuture.runAsync(() -> results.publish(earlier.get()), pool);
        }
        Running fresh = new Running();
        Running existing = jobs.putIfAbsent(key, fresh);
        if (existing != null) {
            Log.infof("build %s: %s attempt %d is already running here", request.buildId(), request.platform(),
                    request.attempt());
            return existing.done;
        }
        pool.submit(() -> execute(key, request, fresh));
        return fresh.done;
    }

    /** Stops a queued or running build of the platform; its result will say CANCELLED. */
    public void cancel(BuildCancel cancel) {
        jobs.forEach((key, run) -> {
            if (key.startsWith(cancel.buildId() + "|" + (cancel.platform() == null ? "" : cancel.platform().ociName() + "|"))) {
                run.cancelled = true;
                if (run.job != null) {
                    run.job.cancel();
                }
                Log.infof("build %s: %s cancelled", cancel.buildId(), key.split("\\|")[1]);
            }
        });
    }

    public int inFlight() {
        return running.get();
    }

    public String workerId() {
        return workerId;
    }

    private void execute(String key, ArchBuildRequest request, Running run) {
        running.incrementAndGet();
        try {
            Instant start = Instant.now();
            results.publish(ArchBuildEvent.started(request, workerId, identity.emulated(), start));
            Log.infof("build %s: %s attempt %d started", request.buildId(), request.platform(), request.attempt());
            ArchBuildEvent result;
            BuildExecutor.PlatformBuild job = null;
            try {
                job = executor.prepare(request, workerId, identity.emulated());
                run.job = job;
                if (run.cancelled) {
                    job.cancel();
                }
                result = job.run();
            } catch (IOException | RuntimeException e) {
                Log.errorf(e, "build %s: %s could not be run", request.buildId(), request.platform());
                result = ArchBuildEvent.failed(request, workerId, identity.emulated(), new ArchBuildEvent.Failure(
                        BuildErrorCode.INTERNAL, "the worker could not run the build: " + e.getMessage(), List.of()), null,
                        Instant.now());
            }
            completed.remember(key, result);
            try {
                results.publish(result);
            } finally {
                if (job != null) {
                    job.cleanUp();
                }
            }
            metrics.counter("archipelago.worker.builds", "outcome",
                    result.error() == null ? result.type().name() : result.error().code().name()).increment();
            Timer.builder("archipelago.worker.build.duration").tag("outcome", result.type().name()).register(metrics)
                    .record(Duration.between(start, Instant.now()));
            Log.infof("build %s: %s attempt %d %s%s", request.buildId(), request.platform(), request.attempt(), result.type(),
                    result.error() == null
                            ? " " + result.artifact().digest()
                                    + (result.reused()
                                            ? " (built nothing: reused the image of build " + result.reusedFrom() + ")"
                                            : "")
                            : " " + result.error().code() + ": " + result.error().message());
            run.done.complete(null);
        } catch (DependencyWaits.Interrupted e) {
            // the worker is stopping while the broker is away: the request is delivered again later
            run.done.completeExceptionally(e);
        } catch (RuntimeException e) {
            Log.errorf(e, "build %s: %s result could not be published", request.buildId(), request.platform());
            run.done.completeExceptionally(e);
        } finally {
            jobs.remove(key);
            running.decrementAndGet();
        }
    }

    static String key(String buildId, String platform, int attempt) {
        return buildId + "|" + platform + "|" + attempt;
    }
}
