package dev.archipelago.worker.buildah;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.archipelago.model.ImageReference;
import dev.archipelago.model.Redaction;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.registry.RegistryException;
import dev.archipelago.worker.job.BuildExecutor;
import dev.archipelago.worker.job.BuildFailure;
import dev.archipelago.worker.job.JobProcess;
import dev.archipelago.worker.reuse.BuildKey;
import dev.archipelago.worker.reuse.BuildKeys;
import dev.archipelago.worker.reuse.ImageLabels;
import dev.archipelago.worker.reuse.ImageReuse;
import dev.archipelago.worker.source.SourceFetcher;
import io.quarkus.logging.Log;

/**
 * One platform's build from request to result: fetch the pinned commit into a private folder,
 * build, verify the platform, push {@code repository:archTag}, and say how it went. Cleans its
 * folder and its working image in every path; keeps the layer cache.
 *
 * <p>
 * Between fetch and build it computes the build's {@link BuildKey}. When the target repository
 * already has an image of that key, nothing is built: that image gets this build's tag and labels
 * ({@link ImageReuse}), and the result says {@code reused}. Not with {@code rebuild} in the
 * request, nor on a worker whose layer cache is off.
 */
public final class BuildahBuild implements BuildExecutor.PlatformBuild {

    private final ArchBuildRequest request;
    private final String workerId;
    private final boolean emulated;
    private final BuildahCommands buildah;
    private final SourceFetcher fetcher;
    /** Null when this build may not reuse an image (rebuild asked for, or the layer cache off). */
    private final Reuse reuse;
    private final int tailLines;
    final JobProcess process;
    private final Path folder;
    private final String localTag;
    /** Set by {@link #run()} for {@link #cleanUp()}: whether a work image may exist, and whether it was pushed. */
    private volatile boolean built;
    private volatile boolean pushed;

    /** What a build needs to find and reuse the image of its build key. */
    record Reuse(BuildKeys keys, ImageReuse images) {
    }

    BuildahBuild(ArchBuildRequest request, String workerId, boolean emulated, BuildahCommands buildah, SourceFetcher fetcher,
            Reuse reuse, Path workRoot, int tailLines) throws IOException {
        this.request = request;
        this.workerId = workerId;
        this.emulated = emulated;
        this.buildah = buildah;
        this.fetcher = fetcher;
        this.reuse = request.rebuildAsked() ? null : reuse;
        this.tailLines = tailLines;
        Files.createDirectories(workRoot);
        this.folder = Files.createTempDirectory(workRoot, request.buildId() + "-" + request.platform().tagSafeName() + "-");
        Instant deadline = request.requestedAt().plusSeconds(request.timeoutSeconds());
        this.process = new JobProcess(folder.resolve("build.log"), deadline);
        this.localTag = "localhost/archipelago-build/" + request.buildId() + "-" + request.platform().tagSafeName() + ":"
                + request.attempt();
    }

    @Override
    public void cancel() {
        process.cancel();
    }

    @Override
    public ArchBuildEvent run() {
        long fetchMs = 0;
        long buildMs = 0;
        long verifyMs = 0;
        long pushMs = 0;
        try {
            long t = System.nanoTime();
            SourceFetcher.Checkout checkout = fetcher.fetch(request.source(), folder.resolve("src"), process);
            BuildKey key = reuse == null ? null : reuse.keys().of(request, checkout, process).orElse(null);
            fetchMs = millisSince(t);
            ImageReference target = ImageReference.parseRepository(request.image().repository())
                    .withTag(request.image().archTag());
            if (key != null) {
                t = System.nanoTime();
                Optional<ImageReuse.Reused> reused = Optional.empty();
                try {
                    reused = reuse.images().retag(key, request.platform(), target, ImageLabels.of(request, key));
                } catch (RegistryException e) {
                    process.note("build key " + key.hex() + ": the registry did not answer the reuse (" + e.getMessage()
                            + "); building");
                }
                if (reused.isPresent()) {
                    pushMs = millisSince(t);
                    process.note("reused the image of build " + reused.get().sourceBuildId() + " (build key " + key.hex()
                            + "): nothing built, " + target + " is its layers with this build's labels");
                    return ArchBuildEvent.reused(request, workerId, emulated, buildah.settings(),
                            new ArchBuildEvent.Artifact(reused.get().digest(), reused.get().mediaType(), reused.get().size()),
                            new ArchBuildEvent.Durations(fetchMs, 0, 0, pushMs), reused.get().sourceBuildId(), Instant.now());
                }
            }
            t = System.nanoTime();
            built = true;
            buildah.build(request, checkout, ImageLabels.of(request, key), localTag, process);
            buildMs = millisSince(t);
            t = System.nanoTime();
            int files = buildah.verify(localTag, request.platform(), process);
            verifyMs = millisSince(t);
            t = System.nanoTime();
            BuildahCommands.Pushed result = buildah.push(localTag, target, folder.resolve("digest"), process);
            if (key != null) {
                reuse.images().record(key, target, result.digest()).ifPresent(problem -> Log.warnf(
                        "build %s: %s was pushed but not recorded under its build key (the next build of the same "
                                + "inputs builds again): %s",
                        request.buildId(), request.platform(), problem));
            }
            pushMs = millisSince(t);
            pushed = true;

            return ArchBuildEvent.succeeded(request, workerId, emulated, buildah.settings(),
                    new ArchBuildEvent.Artifact(result.digest(), result.mediaType(), result.size()),
                    new ArchBuildEvent.Durations(fetchMs, buildMs, verifyMs, pushMs), files, Instant.now());
        } catch (BuildFailure failure) {
            return failed(failure.code, failure.getMessage(), fetchMs, buildMs, verifyMs, pushMs);
        } catch (JobProcess.Stopped stopped) {
            return stopped.timedOut
                    ? failed(BuildErrorCode.TIMEOUT, "the build did not finish within " + request.timeoutSeconds() + " s",
                            fetchMs, buildMs, verifyMs, pushMs)
                    : failed(BuildErrorCode.CANCELLED, "the build was cancelled", fetchMs, buildMs, verifyMs, pushMs);
        } catch (IOException | RuntimeException e) {
            return failed(BuildErrorCode.INTERNAL, "the worker failed: " + e.getMessage(), fetchMs, buildMs, verifyMs, pushMs);
        }
    }

    /** Removes the work tag (keeping the cache) and the work folder; after the result is out. */
    @Override
    public void cleanUp() {
        if (built) {
            cleanUpImage();
        }
        deleteFolder();
    }

    private ArchBuildEvent failed(BuildErrorCode code, String message, long fetchMs, long buildMs, long verifyMs, long pushMs) {
        List<String> tail = process.tail(tailLines).stream().map(BuildahBuild::mask).toList();
        return ArchBuildEvent.failed(request, workerId, emulated, new ArchBuildEvent.Failure(code, mask(message), tail),
                new ArchBuildEvent.Durations(fetchMs, buildMs, verifyMs, pushMs), Instant.now());
    }

    /**
     * Removes the build's own tag. The image of a pushed build first gets the cache tag of its
     * repository and platform: {@code buildah rmi} of an image's last tag also removes the
     * intermediate images of its build, which are the layer cache, so the newest build of each
     * repository keeps its chain alive (the tag moves on with every build; the chain it leaves is
     * pruned when the worker is idle).
     */
    private void cleanUpImage() {
        try {
            JobProcess cleanup = new JobProcess(folder.resolve("cleanup.log"), Instant.now().plusSeconds(60));
            if (pushed) {
                cleanup.run(buildah.buildah("tag", localTag, cacheTag()), null, Map.of());
            }
            cleanup.run(buildah.buildah("rmi", localTag), null, Map.of());
        } catch (IOException | JobProcess.Stopped e) {
            // an image left behind costs disk until the next prune, nothing more
        }
    }

    /** {@code localhost/archipelago-cache/<repository path>:<platform>}: one cache chain per repository and platform. */
    String cacheTag() {
        String repository = request.image().repository().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        if (repository.length() > 100) {
            repository = repository.substring(0, 100);
        }
        return "localhost/archipelago-cache/" + repository + ":" + request.platform().tagSafeName();
    }

    private void deleteFolder() {
        try (var paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // the work root is on a scratch volume
        }
    }

    static String mask(String line) {
        return Redaction.maskUrlCredentials(line);
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
