package dev.archipelago.dispatcher.service;

import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;

/**
 * The live view of one build: the current state first, then every change, ending after the
 * final state. Changes made here arrive at once through {@link BuildUpdates}; a poll every
 * second catches those made by another dispatcher replica.
 */
@ApplicationScoped
public class BuildEvents {

    private static final long POLL_MILLIS = 1000;

    private final BuildService builds;
    private final BuildUpdates updates;
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2, r -> {
        Thread thread = new Thread(r, "build-events");
        thread.setDaemon(true);
        return thread;
    });

    public BuildEvents(BuildService builds, BuildUpdates updates) {
        this.builds = builds;
        this.updates = updates;
    }

    void onShutdown(@Observes ShutdownEvent event) {
        executor.shutdownNow();
    }

    /** @throws ApiProblem 404 before the stream starts when the build does not exist */
    public Multi<BuildView> stream(UUID id) {
        BuildView first = builds.get(id);
        return Multi.createFrom().emitter(emitter -> {
            Object lock = new Object();
            long[] lastVersion = { first.version() };
            boolean[] done = { false };
            emitter.emit(first);
            if (first.state().isFinal()) {
                emitter.complete();
                return;
            }
            Runnable check = () -> executor.execute(() -> {
                synchronized (lock) {
                    if (done[0] || emitter.isCancelled()) {
                        return;
                    }
                    try {
                        BuildView view = builds.get(id);
                        if (view.version() > lastVersion[0]) {
                            lastVersion[0] = view.version();
                            emitter.emit(view);
                            if (view.state().isFinal()) {
                                done[0] = true;
                                emitter.complete();
                            }
                        }
                    } catch (RuntimeException e) {
                        done[0] = true;
                        emitter.fail(e);
                    }
                }
            });
            Runnable unlisten = updates.listen(changed -> {
                if (changed.equals(id)) {
                    check.run();
                }
            });
            ScheduledFuture<?> poll = executor.scheduleWithFixedDelay(check, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
            emitter.onTermination(() -> {
                unlisten.run();
                poll.cancel(false);
            });
            check.run();
        });
    }
}
