package dev.archipelago.worker.service;

import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.worker.config.WorkerConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Builds with buildah as a child process of the worker, with a layer cache kept between builds. */
final class LocalBuildahExecutor implements BuildExecutor {

    private final WorkerConfig config;
    private final BuildahExecutor buildah;
    private final SourceFetcher fetcher;

    LocalBuildahExecutor(WorkerConfig config) {
        this.config = config;
        this.buildah = new BuildahExecutor(config);
        this.fetcher = new SourceFetcher(config.git());
    }

    @Override
    public PlatformBuild prepare(ArchBuildRequest request, String workerId, boolean emulated) throws IOException {
        return new BuildJob(request, workerId, emulated, buildah, fetcher, Path.of(config.workDir()), config.logTailLines());
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
