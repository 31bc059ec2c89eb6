package dev.archipelago.dispatcher.service;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.archipelago.dispatcher.client.CommitStatusClient;
import dev.archipelago.dispatcher.config.DispatcherConfig;
import dev.archipelago.dispatcher.repository.Build;
import dev.archipelago.dispatcher.repository.BuildRepository;
import dev.archipelago.dispatcher.repository.PlatformState;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Reports each build that names a status target on its commit in GitLab or GitHub: pending when
 * accepted, running while it builds, then success, failed or canceled, with a link to its page.
 *
 * <p>
 * Reporting follows the build and never steers it: it runs on its own thread after the change
 * is committed, and a status that cannot be written is logged and tried again by the sweep (which
 * also covers changes made by another replica and a restart) until {@code give-up-after}. A build
 * that moves on quickly may skip a status (pending straight to success): each report says the state
 * the build is in when it is sent.
 */
@ApplicationScoped
public class CommitStatusReporter {

    private static final int SWEEP_BATCH = 100;

    private final BuildRepository builds;
    private final BuildUpdates updates;
    private final CommitStatusClient client;
    private final DispatcherConfig config;
    private final MeterRegistry metrics;
    private final Set<UUID> queued = ConcurrentHashMap.newKeySet();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "commit-status");
        thread.setDaemon(true);
        return thread;
    });
    private Runnable unlisten = () -> {
    };
    private volatile boolean stopping;

    public CommitStatusReporter(BuildRepository builds, BuildUpdates updates, CommitStatusClient client,
            DispatcherConfig config,
            MeterRegistry metrics) {
        this.builds = builds;
        this.updates = updates;
        this.client = client;
        this.config = config;
        this.metrics = metrics;
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.commitStatus().targets().isEmpty()) {
            unlisten = updates.listen(this::nudge);
            Log.infof("commit statuses: targets %s", config.commitStatus().targets().entrySet().stream()
                    .map(e -> e.getKey() + " (" + e.getValue().provider().wireName() + " at " + e.getValue().apiUrl() + ")")
                    .collect(Collectors.joining(", ")));
        }
    }

    void onShutdown(@Observes ShutdownEvent event) {
        stopping = true;
        unlisten.run();
        executor.shutdownNow();
    }

    @Scheduled(every = "${archipelago.dispatcher.commit-status.sweep-interval}", delayed = "${archipelago.dispatcher.commit-status.sweep-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void sweep() {
        if (config.commitStatus().targets().isEmpty() || stopping) {
            return;
        }
        Instant since = Instant.now().minus(config.commitStatus().giveUpAfter());
        try {
            QuarkusTransaction.requiringNew().call(() -> builds.statusesBehind(since, SWEEP_BATCH)).forEach(this::nudge);
        } catch (RuntimeException e) {
            if (!stopping) {
                Log.warnf("commit statuses: sweep failed, next in %s: %s", config.commitStatus().sweepInterval(), e.toString());
            }
        }
    }

    /** Queues a report of the build's current state, once however often it is nudged before the report runs. */
    void nudge(UUID id) {
        if (queued.add(id)) {
            try {
                executor.execute(() -> {
                    queued.remove(id);
                    report(id);
                });
            } catch (RejectedExecutionException e) {
                queued.remove(id); // shutting down; the next start's sweep reports it
            }
        }
    }

    private record Pending(String target, String project, String commit, CommitState state, String description) {
    }

    private void report(UUID id) {
        try {
            Pending pending = QuarkusTransaction.requiringNew().call(() -> builds.findByIdOptional(id)
                    .filter(b -> b.statusTarget != null)
                    .filter(b -> !CommitState.of(b.state).wireName().equals(b.statusReported))
                    .map(b -> new Pending(b.statusTarget, b.statusProject, b.commit, CommitState.of(b.state), description(b)))
                    .orElse(null));
            if (pending == null) {
                return;
            }
            DispatcherConfig.StatusTarget target = config.commitStatus().targets().get(pending.target());
            if (target == null) {
                Log.warnf("build %s: commit status target '%s' is no longer configured; its status is not reported", id,
                        pending.target());
                return;
            }
            String link = config.publicUrl().replaceAll("/+$", "") + "/builds/" + id;
            CommitStatusClient.Delivery delivery = client.send(pending.target(), target, new CommitStatusClient.StatusUpdate(
                    pending.project(), pending.commit(), pending.state(), pending.description(), link));
            metrics.counter("archipelago.commit.statuses", "target", pending.target(), "sent", String.valueOf(delivery.sent()))
                    .increment();
            if (delivery.sent()) {
                QuarkusTransaction.requiringNew().run(() -> builds.markStatusReported(id, pending.state().wireName()));
                Log.infof("build %s: commit status %s reported to %s %s at %s", id, pending.state().wireName(),
                        target.provider().wireName(),
                        pending.project(), pending.commit());
            } else {
                Log.warnf("build %s: commit status %s not reported to %s %s after %d call(s): %s", id,
                        pending.state().wireName(),
                        target.provider().wireName(), pending.project(), delivery.calls(), delivery.problem());
            }
        } catch (RuntimeException e) {
            Log.warnf("build %s: commit status not reported: %s", id, e.toString());
        }
    }

    static String description(Build build) {
        String platforms = build.platforms.stream().map(p -> p.platform).collect(Collectors.joining(", "));
        return switch (build.state) {
            case QUEUED -> "queued: " + platforms;
            case BUILDING -> "building " + platforms + " (" + build.platforms.stream().filter(p -> p.state.isFinal()).count()
                    + " of " + build.platforms.size() + " done)";
            case ASSEMBLING -> "assembling the image index";
            case SUCCEEDED -> "pushed " + build.repository + ":" + build.tag + " for " + build.platforms.stream()
                    .filter(p -> p.state == PlatformState.SUCCEEDED)
                    .map(p -> p.platform).collect(Collectors.joining(", "));
            case FAILED -> build.errorMessage == null ? "failed" : build.errorMessage;
            case CANCELLED -> "cancelled";
        };
    }
}
