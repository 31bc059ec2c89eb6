package dev.archipelago.dispatcher.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.archipelago.dispatcher.config.DispatcherConfig;
import dev.archipelago.dispatcher.repository.Worker;
import dev.archipelago.dispatcher.repository.WorkerRepository;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.WorkerHeartbeat;

/** The workers as their heartbeats describe them, and whether a build's platforms have a live one. */
@ApplicationScoped
public class WorkerRegistry {

    private final WorkerRepository workers;
    private final DispatcherConfig config;

    public WorkerRegistry(WorkerRepository workers, DispatcherConfig config) {
        this.workers = workers;
        this.config = config;
    }

    /** What {@code GET /api/workers} lists. */
    public record WorkerView(String workerId, String platform, boolean emulated, String version, String executor,
            int capacity, int inFlight, Instant lastSeen, boolean live) {
    }

    /**
     * Records a heartbeat; an older one than the last seen (out of order) changes nothing. One that
     * arrives stale, older than its worker's allowance (the backlog an outage of the broker or of the
     * database leaves), is passed over without touching the database: it could not make the worker
     * live, and reading a backlog of them one transaction each kept a worker that was back listed as
     * stale for as long as the backlog lasted.
     */
    @Transactional
    public void record(WorkerHeartbeat heartbeat) {
        if (!fresh(heartbeat.sentAt(), heartbeat.intervalSeconds(), Instant.now())) {
            return;
        }
        Worker worker = workers.findById(heartbeat.workerId());
        if (worker == null) {
            worker = new Worker();
            worker.workerId = heartbeat.workerId();
        } else if (worker.lastSeen != null && worker.lastSeen.isAfter(heartbeat.sentAt())) {
            return;
        }
        worker.platform = heartbeat.platform().ociName();
        worker.emulated = heartbeat.emulated();
        worker.version = heartbeat.version();
        worker.executor = heartbeat.executor();
        worker.capacity = heartbeat.capacity();
        worker.inFlight = heartbeat.inFlight();
        worker.intervalSeconds = heartbeat.intervalSeconds();
        worker.lastSeen = heartbeat.sentAt();
        workers.persist(worker);
    }

    @Transactional
    public List<WorkerView> list() {
        Instant now = Instant.now();
        return workers.allByPlatform().stream().map(w -> new WorkerView(w.workerId, w.platform, w.emulated, w.version,
                w.executor, w.capacity, w.inFlight, w.lastSeen, isLive(w, now))).toList();
    }

    /**
     * Refuses (409) a build whose platforms lack a live worker: a native one, or an emulating one
     * when the request allows emulation. Off when {@code archipelago.dispatcher.require-live-workers=false},
     * and for the platforms of {@code archipelago.dispatcher.scaled-from-zero}.
     */
    public void checkLive(List<Platform> platforms, boolean allowEmulation) {
        missingLive(platforms, allowEmulation).ifPresent(why -> {
            throw ApiProblem.conflict(why);
        });
    }

    /** Why a build of these platforms cannot start now (no live worker for some), or empty when it can. */
    public Optional<String> missingLive(List<Platform> platforms, boolean allowEmulation) {
        if (!config.requireLiveWorkers()) {
            return Optional.empty();
        }
        List<WorkerView> live = list().stream().filter(WorkerView::live).toList();
        List<String> missing = new ArrayList<>();
        Set<String> scaledFromZero = config.scaledFromZero().orElse(Set.of());
        for (Platform platform : platforms) {
            if (scaledFromZero.contains(platform.ociName())) {
                continue; // its queue starts a worker
            }
            boolean nativeLive = live.stream().anyMatch(w -> w.platform().equals(platform.ociName()) && !w.emulated());
            boolean emulatedLive = live.stream().anyMatch(w -> w.platform().equals(platform.ociName()) && w.emulated());
            if (!nativeLive && !(allowEmulation && emulatedLive)) {
                missing.add(
                        platform.ociName() + (emulatedLive ? " (only an emulating worker is live; set allowEmulation)" : ""));
            }
        }
        if (!missing.isEmpty()) {
            List<String> livePlatforms = live.stream().map(w -> w.platform() + (w.emulated() ? " (emulated)" : ""))
                    .distinct().sorted().toList();
            return Optional.of("no live worker for " + String.join(", ", missing) + "; live platforms: "
                    + (livePlatforms.isEmpty() ? "none" : String.join(", ", livePlatforms)));
        }
        return Optional.empty();
    }

    private boolean isLive(Worker worker, Instant now) {
        return fresh(worker.lastSeen, worker.intervalSeconds, now);
    }

    /** Whether a heartbeat sent at this time still says its worker is alive: fewer than the allowed beats missed since. */
    private boolean fresh(Instant sentAt, int intervalSeconds, Instant now) {
        Duration allowance = Duration.ofSeconds((long) intervalSeconds * config.missedHeartbeats());
        return sentAt.plus(allowance).isAfter(now);
    }
}
