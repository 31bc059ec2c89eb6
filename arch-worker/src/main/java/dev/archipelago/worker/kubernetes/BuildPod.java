package dev.archipelago.worker.kubernetes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import dev.archipelago.model.ImageReference;
import dev.archipelago.model.Redaction;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.worker.buildah.BuildahCommands;
import dev.archipelago.worker.config.WorkerConfig;
import dev.archipelago.worker.job.BuildExecutor.PlatformBuild;
import dev.archipelago.worker.job.JobProcess;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.logging.Log;

/** One build as one pod: create it, follow it until it ends, read the digest, delete it in every path. */
final class BuildPod implements PlatformBuild {

    private final WorkerConfig config;
    private final WorkerConfig.Kubernetes settings;
    private final KubernetesClient client;
    private final String namespace;
    private final BuildPodSpec spec;
    private final BuildahCommands buildah;
    private final ArchBuildRequest request;
    private final String workerId;
    private final String name;
    private final Instant deadline;
    private final JobProcess readBack;
    private final Path folder;
    private volatile boolean cancelled;
    private PodLogStream stream;

    BuildPod(ArchBuildRequest request, String workerId, WorkerConfig config, KubernetesClient client, String namespace,
            BuildPodSpec spec, BuildahCommands buildah) throws IOException {
        this.config = config;
        this.settings = config.kubernetes();
        this.client = client;
        this.namespace = namespace;
        this.spec = spec;
        this.buildah = buildah;
        this.request = request;
        this.workerId = workerId;
        this.name = BuildPodSpec.podName(request);
        this.deadline = request.requestedAt().plusSeconds(request.timeoutSeconds());
        Files.createDirectories(Path.of(config.workDir()));
        this.folder = Files.createTempDirectory(Path.of(config.workDir()), name + "-");
        this.readBack = new JobProcess(folder.resolve("read-back.log"), deadline.plusSeconds(60));
    }

    @Override
    public void cancel() {
        cancelled = true;
        readBack.cancel();
    }

    @Override
    public ArchBuildEvent run() {
        Instant started = Instant.now();
        List<String> log = new ArrayList<>();
        if (request.source().fromBundle()) {
            return failed(BuildErrorCode.INVALID_REQUEST, "this worker builds in pods (executor kubernetes), whose fetch step "
                    + "takes git sources only; a directory from the CLI (" + request.source().bundle()
                    + ") needs a worker with "
                    + "the buildah executor for " + request.platform() + ", or push the directory to git", log, started);
        }
        try {
            client.pods().inNamespace(namespace).resource(spec.podFor(request, workerId)).create();
            Log.infof("build %s: %s attempt %d in pod %s/%s", request.buildId(), request.platform(), request.attempt(),
                    namespace, name);
            Pod ended = awaitEnd();
            log.addAll(podLog(ended));
            if (ended == null) {
                return failed(BuildErrorCode.INTERNAL, "the build pod " + name + " was deleted before it finished", log,
                        started);
            }
            if ("DeadlineExceeded".equals(ended.getStatus().getReason())) {
                return failed(BuildErrorCode.TIMEOUT, "the build did not finish within " + request.timeoutSeconds() + " s", log,
                        started);
            }
            Optional<ContainerStateTerminated> fetch = terminated(ended.getStatus().getInitContainerStatuses(),
                    BuildPodSpec.FETCH_CONTAINER);
            if (fetch.isPresent() && fetch.get().getExitCode() != 0) {
                return failedWith(fetch.get(), "fetching " + request.source().commit(), log, started);
            }
            Optional<ContainerStateTerminated> build = terminated(ended.getStatus().getContainerStatuses(),
                    BuildPodSpec.BUILD_CONTAINER);
            if (build.isEmpty()) {
                return failed(BuildErrorCode.INTERNAL, "the build pod " + name + " ended (" + ended.getStatus().getPhase()
                        + ") without running its build container", log, started);
            }
            if (build.get().getExitCode() != 0) {
                return failedWith(build.get(), "buildah in pod " + name, log, started);
            }
            List<String> message = Optional.ofNullable(build.get().getMessage()).orElse("").strip().lines().toList();
            String digest = message.isEmpty() ? "" : message.get(0).strip();
            int executablesChecked = message.stream().filter(line -> line.startsWith("executables-checked="))
                    .mapToInt(line -> Integer.parseInt(line.substring(line.indexOf('=') + 1).strip())).findFirst().orElse(0);
            if (!digest.matches("sha256:[0-9a-f]{64}")) {
                return failed(BuildErrorCode.INTERNAL,
                        "the build pod " + name + " succeeded without a digest in its termination message",
                        log, started);
            }
            ImageReference target = ImageReference.parseRepository(request.image().repository())
                    .withTag(request.image().archTag());
            long size = buildah.manifestSize(target, digest, readBack);
            long total = Duration.between(started, Instant.now()).toMillis();
            // what the build pod's build.sh runs: vfs storage, chroot isolation, a fresh pod without a layer cache
            return ArchBuildEvent.succeeded(request, workerId, false,
                    new ArchBuildEvent.Builder("kubernetes", "vfs", "chroot", false, config.format().formatName()),
                    new ArchBuildEvent.Artifact(digest, config.format().manifestMediaType(), size),
                    new ArchBuildEvent.Durations(0, total, 0, 0), executablesChecked, Instant.now());
        } catch (Cancelled e) {
            return failed(BuildErrorCode.CANCELLED, "the build was cancelled", log, started);
        } catch (TimedOut e) {
            return failed(BuildErrorCode.TIMEOUT, "the build did not finish within " + request.timeoutSeconds() + " s", log,
                    started);
        } catch (JobProcess.Stopped e) {
            return failed(e.timedOut ? BuildErrorCode.TIMEOUT : BuildErrorCode.CANCELLED, "the build was stopped", log,
                    started);
        } catch (KubernetesClientException e) {
            return failed(BuildErrorCode.INTERNAL, "the Kubernetes API refused or failed: " + e.getMessage(), log, started);
        } catch (IOException | RuntimeException e) {
            return failed(BuildErrorCode.INTERNAL, "the worker failed: " + e.getMessage(), log, started);
        } finally {
            delete();
            try (var paths = Files.walk(folder)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // scratch space
            }
        }
    }

    /** Polls the pod until it has ended; null when it disappeared. */
    private Pod awaitEnd() throws Cancelled, TimedOut {
        while (true) {
            if (cancelled) {
                throw new Cancelled();
            }
            if (Instant.now().isAfter(deadline.plusSeconds(30))) {
                throw new TimedOut(); // the cluster did not enforce activeDeadlineSeconds in time
            }
            Pod pod = client.pods().inNamespace(namespace).withName(name).get();
            if (pod == null) {
                return null;
            }
            if (stream == null && buildContainerRunning(pod)) {
                stream = new PodLogStream(request.buildId(), BuildPodSpec.BUILD_CONTAINER);
                try {
                    stream.watch = client.pods().inNamespace(namespace).withName(name).inContainer(BuildPodSpec.BUILD_CONTAINER)
                            .watchLog(stream);
                } catch (KubernetesClientException e) {
                    Log.debugf("build %s: cannot follow the log of %s: %s", request.buildId(), name, e.getMessage());
                }
            }
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
                return pod;
            }
            try {
                Thread.sleep(settings.pollInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Cancelled();
            }
        }
    }

    /** The pod's log, container by container, copied into the worker's log; the termination messages when the log is gone. */
    private List<String> podLog(Pod ended) {
        List<String> lines = new ArrayList<>();
        if (ended == null) {
            return lines; // deleted: its log went with it
        }
        for (String container : List.of(BuildPodSpec.FETCH_CONTAINER, BuildPodSpec.BUILD_CONTAINER)) {
            if (container.equals(BuildPodSpec.BUILD_CONTAINER) && stream != null) {
                List<String> streamed = stream.finish();
                if (!streamed.isEmpty()) {
                    lines.addAll(streamed); // already in the worker's log, line by line as it came
                    continue;
                }
            }
            String text = null;
            try {
                text = client.pods().inNamespace(namespace).withName(name).inContainer(container).getLog();
            } catch (KubernetesClientException e) {
                Log.debugf("build %s: no log of %s/%s: %s", request.buildId(), name, container, e.getMessage());
            }
            if ((text == null || text.isBlank()) && ended != null && ended.getStatus() != null) {
                List<ContainerStatus> statuses = new ArrayList<>();
                Optional.ofNullable(ended.getStatus().getInitContainerStatuses()).ifPresent(statuses::addAll);
                Optional.ofNullable(ended.getStatus().getContainerStatuses()).ifPresent(statuses::addAll);
                text = terminated(statuses, container).filter(t -> t.getExitCode() != 0)
                        .map(ContainerStateTerminated::getMessage)
                        .orElse(null);
            }
            if (text == null || text.isBlank()) {
                continue;
            }
            PodLogStream whole = new PodLogStream(request.buildId(), container);
            whole.append(text);
            lines.addAll(whole.finish());
        }
        return lines;
    }

    private ArchBuildEvent failedWith(ContainerStateTerminated state, String what, List<String> log, Instant started) {
        BuildErrorCode code = BuildPodSpec.EXIT_CODES.getOrDefault(state.getExitCode(), BuildErrorCode.BUILD_FAILED);
        if (code == BuildErrorCode.ARCH_MISMATCH && state.getMessage() != null && !state.getMessage().isBlank()) {
            // build.sh wrote what does not match (the config's platform, or the foreign executables) as the termination message
            List<String> lines = state.getMessage().strip().lines().toList();
            return failed(code, lines.get(lines.size() - 1), log, started);
        }
        String reason = state.getReason() == null ? "" : " (" + state.getReason() + ")";
        return failed(code, what + " failed with exit code " + state.getExitCode() + reason + "; the log tail shows why", log,
                started);
    }

    private ArchBuildEvent failed(BuildErrorCode code, String message, List<String> log, Instant started) {
        int lines = config.logTailLines();
        List<String> tail = log.size() <= lines ? log : log.subList(log.size() - lines, log.size());
        long total = Duration.between(started, Instant.now()).toMillis();
        return ArchBuildEvent.failed(request, workerId, false,
                new ArchBuildEvent.Failure(code, Redaction.maskUrlCredentials(message),
                        List.copyOf(tail)),
                new ArchBuildEvent.Durations(0, total, 0, 0), Instant.now());
    }

    private void delete() {
        try {
            client.pods().inNamespace(namespace).withName(name).delete();
        } catch (KubernetesClientException e) {
            Log.warnf("build %s: could not delete pod %s: %s", request.buildId(), name, e.getMessage());
        }
    }

    /** Running now: its log is followed from here on. (A container seen only once it ended is read whole at the end.) */
    private static boolean buildContainerRunning(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return false;
        }
        return pod.getStatus().getContainerStatuses().stream().filter(s -> BuildPodSpec.BUILD_CONTAINER.equals(s.getName()))
                .anyMatch(s -> s.getState() != null && s.getState().getRunning() != null);
    }

    private static Optional<ContainerStateTerminated> terminated(List<ContainerStatus> statuses, String container) {
        if (statuses == null) {
            return Optional.empty();
        }
        return statuses.stream().filter(s -> container.equals(s.getName())).findFirst()
                .map(ContainerStatus::getState).map(state -> state.getTerminated());
    }

    private static final class Cancelled extends Exception {
    }

    private static final class TimedOut extends Exception {
    }
}
