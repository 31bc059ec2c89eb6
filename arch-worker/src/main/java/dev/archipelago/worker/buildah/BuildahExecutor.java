package dev.archipelago.worker.buildah;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.worker.config.WorkerConfig;
import dev.archipelago.worker.job.BuildExecutor;
import dev.archipelago.worker.job.JobProcess;
import dev.archipelago.worker.reuse.BuildKeys;
import dev.archipelago.worker.reuse.ImageReuse;
import dev.archipelago.worker.source.BundleFetcher;
import dev.archipelago.worker.source.SourceFetcher;
import dev.archipelago.worker.source.WorkerRegistryClient;

/** Builds with buildah as a child process of the worker, with a layer cache kept between builds. */
public final class BuildahExecutor implements BuildExecutor {

    private final WorkerConfig config;
    private final BuildahCommands buildah;
    private final SourceFetcher fetcher;
    /** Null when the layer cache is off: a worker told to build from scratch reuses no image either. */
    private final BuildahBuild.Reuse reuse;
    /** At most one prune in ten minutes: a prune lists and checks every image, which costs the next build its wait. */
    private static final long PRUNE_EVERY_NANOS = TimeUnit.MINUTES.toNanos(10);
    private volatile long lastPrune = System.nanoTime();
    /** Builds share the storage (read lock); a prune needs it alone and is skipped while any build runs. */
    private final ReentrantReadWriteLock storage = new ReentrantReadWriteLock();

    public BuildahExecutor(WorkerConfig config) {
        this.config = config;
        this.buildah = new BuildahCommands(config);
        RegistryClient registry = WorkerRegistryClient.of(config);
        this.fetcher = new SourceFetcher(config.git(),
                new BundleFetcher(registry, config.contextMaxBytes(), config.contextMaxEntries()));
        this.reuse = config.layerCache()
                ? new BuildahBuild.Reuse(new BuildKeys(config.git(), registry, config.format()), new ImageReuse(registry))
                : null;
    }

    @Override
    public PlatformBuild prepare(ArchBuildRequest request, String workerId, boolean emulated) throws IOException {
        BuildahBuild job = new BuildahBuild(request, workerId, emulated, buildah, fetcher, reuse, Path.of(config.workDir()),
                config.logTailLines());
        return new PlatformBuild() {
            @Override
            public ArchBuildEvent run() {
                storage.readLock().lock();
                try {
                    return job.run();
                } finally {
                    storage.readLock().unlock();
                }
            }

            @Override
            public void cleanUp() {
                storage.readLock().lock();
                try {
                    job.cleanUp();
                } finally {
                    storage.readLock().unlock();
                }
                pruneWhileIdle();
            }

            @Override
            public void cancel() {
                job.cancel();
            }
        };
    }

    /**
     * Removes the images no tag leads to any more (the chains that a repository's cache tag moved
     * away from), so the cache holds about one chain per repository and platform. Only while no
     * build runs (a running build's freshly committed steps are untagged too), and at most every ten
     * minutes.
     */
    private void pruneWhileIdle() {
        long now = System.nanoTime();
        if (now - lastPrune < PRUNE_EVERY_NANOS || !storage.writeLock().tryLock()) {
            return; // pruned a short while ago, or a build runs
        }
        lastPrune = now;
        try {
            Path log = Files.createTempFile(Path.of(config.workDir()), "prune", ".log");
            JobProcess process = new JobProcess(log, Instant.now().plusSeconds(120));
            process.run(buildah.buildah("rmi", "--prune"), null, Map.of());
            Files.deleteIfExists(log);
        } catch (IOException | JobProcess.Stopped e) {
            // the cache grows until the next prune
        } finally {
            storage.writeLock().unlock();
        }
    }

    @Override
    public void removeLeftovers(String workerId) {
        buildah.removeLeftoverContainers();
    }

    @Override
    public Optional<String> notReady() {
        try {
            Process process = new ProcessBuilder(List.of(config.buildah(), "version")).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0) {
                return Optional.empty();
            }
            process.destroyForcibly();
            return Optional.of("buildah version did not succeed");
        } catch (IOException e) {
            return Optional.of("cannot run " + config.buildah() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    @Override
    public String describe() {
        return "buildah here, storage " + config.storageRoot() + " (" + buildah.driver() + ")";
    }
}
