package dev.archipelago.worker.service;

import dev.archipelago.model.ImageReference;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;
import dev.archipelago.model.Redaction;
import dev.archipelago.model.SafeText;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.worker.config.WorkerConfig;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.logging.Log;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Builds each platform in a pod of its own, made through the Kubernetes API in the worker's
 * namespace: an init container fetches the pinned commit, the build container runs buildah
 * (build, check the config's platform, push) and leaves the pushed digest in its termination
 * message. The pod is pinned to nodes of the worker's platform ({@code kubernetes.io/arch}), is
 * bounded by the request's timeout ({@code activeDeadlineSeconds}), and is deleted in every path.
 * The worker copies the pod's log into its own log and into a FAILED event's log tail, and reads the
 * pushed manifest back from the registry to learn its size.
 *
 * <p>Both scripts are fixed files of this module; every value from the request reaches them as an
 * environment variable and is only ever used as a quoted argument.
 */
public final class KubernetesExecutor implements BuildExecutor {

    public static final String LABEL_PART_OF = "app.kubernetes.io/part-of";
    public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
    public static final String LABEL_BUILD = "archipelago.dev/build-id";
    public static final String LABEL_PLATFORM = "archipelago.dev/platform";
    public static final String LABEL_ATTEMPT = "archipelago.dev/attempt";
    public static final String LABEL_WORKER = "archipelago.dev/worker";
    public static final String FETCH_CONTAINER = "fetch";
    public static final String BUILD_CONTAINER = "build";
    static final String AUTH_DIR = "/run/archipelago/registry";

    /** Exit codes of fetch.sh and build.sh. */
    static final Map<Integer, BuildErrorCode> EXIT_CODES = Map.of(
            10, BuildErrorCode.SOURCE_FETCH_FAILED, 11, BuildErrorCode.PATH_ESCAPE, 12, BuildErrorCode.DOCKERFILE_NOT_FOUND,
            20, BuildErrorCode.BUILD_FAILED, 30, BuildErrorCode.ARCH_MISMATCH, 40, BuildErrorCode.PUSH_FAILED,
            41, BuildErrorCode.PUSH_UNAUTHORIZED);

    static final String FETCH_SCRIPT = resource("/kubernetes/fetch.sh");
    static final String BUILD_SCRIPT = resource("/kubernetes/build.sh");

    private final WorkerConfig config;
    private final WorkerConfig.Kubernetes settings;
    private final KubernetesClient client;
    private final Platform platform;
    private final String namespace;
    private final BuildahExecutor registry;

    public KubernetesExecutor(WorkerConfig config, KubernetesClient client, Platform platform) {
        this.config = config;
        this.settings = config.kubernetes();
        this.client = client;
        this.platform = platform;
        this.namespace = settings.namespace().orElseGet(() -> Optional.ofNullable(client.getNamespace()).orElse("default"));
        this.registry = new BuildahExecutor(config);
    }

    @Override
    public PlatformBuild prepare(ArchBuildRequest request, String workerId, boolean emulated) throws IOException {
        return new PodBuild(request, workerId);
    }

    /** Deletes the build pods an earlier run of this worker (same worker id) left behind. */
    @Override
    public void removeLeftovers(String workerId) {
        String worker = labelValue(workerId);
        try {
            var leftovers = client.pods().inNamespace(namespace).withLabel(LABEL_WORKER, worker).list().getItems();
            for (Pod pod : leftovers) {
                Log.infof("deleting build pod %s left by an earlier run of this worker", pod.getMetadata().getName());
                client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
            }
        } catch (KubernetesClientException e) {
            Log.warnf("could not look for leftover build pods in %s: %s", namespace, e.getMessage());
        }
    }

    @Override
    public Optional<String> notReady() {
        try {
            client.pods().inNamespace(namespace).withLabel(LABEL_COMPONENT, "build").list();
            return Optional.empty();
        } catch (KubernetesClientException e) {
            return Optional.of("cannot list pods in namespace " + namespace + ": " + e.getMessage());
        }
    }

    @Override
    public String describe() {
        return "build pods in namespace " + namespace + " on kubernetes.io/arch=" + platform.architecture() + " nodes, image "
                + settings.builderImage();
    }

    /** The pod for one build: what the API server is sent. */
    Pod podFor(ArchBuildRequest request, String workerId) {
        String name = podName(request);
        Map<String, String> labels = new TreeMap<>(Map.of(
                LABEL_PART_OF, "archipelago",
                LABEL_COMPONENT, "build",
                LABEL_BUILD, request.buildId(),
                LABEL_PLATFORM, request.platform().tagSafeName(),
                LABEL_ATTEMPT, String.valueOf(request.attempt()),
                LABEL_WORKER, labelValue(workerId)));
        Instant deadline = request.requestedAt().plusSeconds(request.timeoutSeconds());
        long activeDeadline = Math.max(1, Duration.between(Instant.now(), deadline).toSeconds());
        ImageReference target = ImageReference.parseRepository(request.image().repository()).withTag(request.image().archTag());
        boolean insecure = config.insecureRegistries().orElse(Set.of()).contains(target.registry());

        List<EnvVar> fetchEnv = env(Map.of(
                "ARCHIPELAGO_GIT_URL", request.source().git(),
                "ARCHIPELAGO_COMMIT", request.source().commit(),
                "ARCHIPELAGO_CONTEXT_DIR", contextDir(request),
                "ARCHIPELAGO_DOCKERFILE", dockerfile(request)));
        Map<String, String> build = new TreeMap<>(Map.of(
                "ARCHIPELAGO_PLATFORM", request.platform().ociName(),
                "ARCHIPELAGO_FORMAT", config.format(),
                "ARCHIPELAGO_TARGET", target.toString(),
                "ARCHIPELAGO_TLS_VERIFY", String.valueOf(!insecure),
                "ARCHIPELAGO_PUSH_RETRY_SECONDS", String.valueOf(config.pushRetryWindow().toSeconds()),
                "ARCHIPELAGO_ELF", (platform.elf64() ? 2 : 1) + " " + (platform.littleEndian() ? 1 : 2) + " " + platform.elfMachine(),
                "ARCHIPELAGO_VERIFY_MAX_FILES", String.valueOf(config.verifyMaxFiles()),
                "ARCHIPELAGO_BUILD_ARGS", lines(request.buildArgs()),
                "ARCHIPELAGO_LABELS", lines(labels(request)),
                "BUILDAH_ISOLATION", "chroot"));
        build.put("ARCHIPELAGO_CONTEXT_DIR", contextDir(request));
        build.put("ARCHIPELAGO_DOCKERFILE", dockerfile(request));
        settings.registrySecret().ifPresent(secret -> build.put("REGISTRY_AUTH_FILE", AUTH_DIR + "/.dockerconfigjson"));

        List<VolumeMount> buildMounts = new ArrayList<>(List.of(
                new VolumeMountBuilder().withName("workspace").withMountPath("/workspace").build(),
                new VolumeMountBuilder().withName("storage").withMountPath("/var/lib/containers").build()));
        settings.registrySecret().ifPresent(secret ->
                buildMounts.add(new VolumeMountBuilder().withName("registry-auth").withMountPath(AUTH_DIR).withReadOnly(true).build()));

        var fetchResources = new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(settings.cpuRequest())).addToRequests("memory", new Quantity(settings.memoryRequest()))
                .addToLimits("cpu", new Quantity(settings.cpuLimit())).addToLimits("memory", new Quantity(settings.memoryLimit()))
                .build();
        // vfs copies every layer: the storage emptyDir is bounded, and the pod is evicted past its limit
        var buildResources = new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder(fetchResources)
                .addToRequests("ephemeral-storage", new Quantity(settings.ephemeralStorageRequest()))
                .addToLimits("ephemeral-storage", new Quantity(settings.ephemeralStorageLimit()))
                .build();

        PodBuilder pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
                .addToAnnotations("archipelago.dev/image", target.toString())
                .addToAnnotations("archipelago.dev/commit", request.source().commit())
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withActiveDeadlineSeconds(activeDeadline)
                .withServiceAccountName(settings.serviceAccount())
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                // a user namespace of its own: UID 0 in the build container is an unprivileged UID on the node
                .withHostUsers(false)
                .addToNodeSelector("kubernetes.io/arch", platform.architecture())
                .addToNodeSelector("kubernetes.io/os", platform.os())
                .withNewSecurityContext().withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .addNewInitContainer()
                .withName(FETCH_CONTAINER).withImage(settings.fetchImage())
                .withCommand("/bin/sh", "-c", FETCH_SCRIPT, "archipelago-fetch")
                .withEnv(fetchEnv)
                .withWorkingDir("/workspace")
                .addNewVolumeMount().withName("workspace").withMountPath("/workspace").endVolumeMount()
                .withResources(fetchResources)
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(65532L).withAllowPrivilegeEscalation(false)
                .withNewCapabilities().addToDrop("ALL").endCapabilities()
                .endSecurityContext()
                .endInitContainer()
                .addNewContainer()
                .withName(BUILD_CONTAINER).withImage(settings.builderImage())
                .withCommand("/bin/sh", "-c", BUILD_SCRIPT, "archipelago-build")
                .withEnv(env(build))
                .withWorkingDir("/workspace")
                .withVolumeMounts(buildMounts)
                .withResources(buildResources)
                .withTerminationMessagePath("/dev/termination-log")
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withNewSecurityContext()
                // buildah runs as UID 0 of the pod's user namespace, not privileged, no privilege escalation;
                // it makes a user namespace of its own for the build, mapping the 65536 IDs the pod has
                // (SETUID, SETGID, SETFCAP), and the ELF check reads every file of the image
                // (DAC_READ_SEARCH); docs/openshift.md says why each
                .withRunAsUser(0L).withAllowPrivilegeEscalation(false).withPrivileged(false)
                .withNewCapabilities().addToDrop("ALL")
                .addToAdd("SETUID", "SETGID", "SETFCAP", "DAC_READ_SEARCH")
                .endCapabilities()
                .endSecurityContext()
                .endContainer()
                .addNewVolume().withName("workspace").withNewEmptyDir().withSizeLimit(new Quantity(settings.workspaceSize()))
                .endEmptyDir().endVolume()
                .addNewVolume().withName("storage").withNewEmptyDir().withSizeLimit(new Quantity(settings.storageSize()))
                .endEmptyDir().endVolume()
                .endSpec();
        settings.registrySecret().ifPresent(secret -> pod.editSpec().addNewVolume().withName("registry-auth").withNewSecret()
                .withSecretName(secret).withDefaultMode(0440).endSecret().endVolume().endSpec());
        if (settings.ownerPodName().isPresent() && settings.ownerPodUid().isPresent()) {
            pod.editMetadata().addNewOwnerReference().withApiVersion("v1").withKind("Pod")
                    .withName(settings.ownerPodName().get()).withUid(settings.ownerPodUid().get())
                    .withBlockOwnerDeletion(false).withController(false).endOwnerReference().endMetadata();
        }
        return pod.build();
    }

    private static String contextDir(ArchBuildRequest request) {
        return java.util.Objects.requireNonNullElse(request.source().contextDir(), ".");
    }

    private static String dockerfile(ArchBuildRequest request) {
        return java.util.Objects.requireNonNullElse(request.source().dockerfile(), "Dockerfile");
    }

    /** {@code archipelago-<build id>-<arch>-<attempt>}: unique per attempt, at most 63 characters. */
    static String podName(ArchBuildRequest request) {
        String name = "arch-" + request.buildId() + "-" + request.platform().tagSafeName() + "-" + request.attempt();
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    }

    /** A label value: at most 63 of [A-Za-z0-9._-], starting and ending with an alphanumeric. */
    static String labelValue(String value) {
        String cleaned = value.replaceAll("[^A-Za-z0-9._-]", "-");
        if (cleaned.length() > 63) {
            cleaned = cleaned.substring(0, 63);
        }
        return cleaned.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    }

    private static Map<String, String> labels(ArchBuildRequest request) {
        Map<String, String> labels = new TreeMap<>(request.labels() == null ? Map.of() : request.labels());
        labels.put("dev.archipelago.build-id", request.buildId());
        labels.put("org.opencontainers.image.revision", request.source().commit());
        labels.put("org.opencontainers.image.source", Redaction.maskUrlCredentials(request.source().git()));
        return labels;
    }

    private static String lines(Map<String, String> entries) {
        if (entries == null || entries.isEmpty()) {
            return "";
        }
        return new TreeMap<>(entries).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n"));
    }

    private static List<EnvVar> env(Map<String, String> values) {
        return new TreeMap<>(values).entrySet().stream().map(e -> new EnvVar(e.getKey(), e.getValue(), null)).toList();
    }

    private static String resource(String path) {
        try (InputStream in = KubernetesExecutor.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One build as one pod: create, follow until it ends, read the digest, delete. */
    final class PodBuild implements PlatformBuild {

        private final ArchBuildRequest request;
        private final String workerId;
        private final String name;
        private final Instant deadline;
        private final JobProcess readBack;
        private final Path folder;
        private volatile boolean cancelled;
        private LogStream stream;

        PodBuild(ArchBuildRequest request, String workerId) throws IOException {
            this.request = request;
            this.workerId = workerId;
            this.name = podName(request);
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
                        + "takes git sources only; a directory from the CLI (" + request.source().bundle() + ") needs a worker with "
                        + "the buildah executor for " + request.platform() + ", or push the directory to git", log, started);
            }
            try {
                client.pods().inNamespace(namespace).resource(podFor(request, workerId)).create();
                Log.infof("build %s: %s attempt %d in pod %s/%s", request.buildId(), request.platform(), request.attempt(),
                        namespace, name);
                Pod ended = awaitEnd();
                log.addAll(podLog(ended));
                if (ended == null) {
                    return failed(BuildErrorCode.INTERNAL, "the build pod " + name + " was deleted before it finished", log, started);
                }
                if ("DeadlineExceeded".equals(ended.getStatus().getReason())) {
                    return failed(BuildErrorCode.TIMEOUT, "the build did not finish within " + request.timeoutSeconds() + " s", log, started);
                }
                Optional<ContainerStateTerminated> fetch = terminated(ended.getStatus().getInitContainerStatuses(), FETCH_CONTAINER);
                if (fetch.isPresent() && fetch.get().getExitCode() != 0) {
                    return failedWith(fetch.get(), "fetching " + request.source().commit(), log, started);
                }
                Optional<ContainerStateTerminated> build = terminated(ended.getStatus().getContainerStatuses(), BUILD_CONTAINER);
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
                    return failed(BuildErrorCode.INTERNAL, "the build pod " + name + " succeeded without a digest in its termination message",
                            log, started);
                }
                ImageReference target = ImageReference.parseRepository(request.image().repository()).withTag(request.image().archTag());
                long size = registry.manifestSize(target, digest, readBack);
                long total = Duration.between(started, Instant.now()).toMillis();
                // what the build pod's build.sh runs: vfs storage, chroot isolation, a fresh pod without a layer cache
                return ArchBuildEvent.succeeded(request, workerId, false,
                        new ArchBuildEvent.Builder("kubernetes", "vfs", "chroot", false, config.format()),
                        new ArchBuildEvent.Artifact(digest, config.format().equals("docker") ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST, size),
                        new ArchBuildEvent.Durations(0, total, 0, 0), executablesChecked, Instant.now());
            } catch (Cancelled e) {
                return failed(BuildErrorCode.CANCELLED, "the build was cancelled", log, started);
            } catch (TimedOut e) {
                return failed(BuildErrorCode.TIMEOUT, "the build did not finish within " + request.timeoutSeconds() + " s", log, started);
            } catch (JobProcess.Stopped e) {
                return failed(e.timedOut ? BuildErrorCode.TIMEOUT : BuildErrorCode.CANCELLED, "the build was stopped", log, started);
            } catch (KubernetesClientException e) {
                return failed(BuildErrorCode.INTERNAL, "the Kubernetes API refused or failed: " + e.getMessage(), log, started);
            } catch (IOException | RuntimeException e) {
                return failed(BuildErrorCode.INTERNAL, "the worker failed: " + e.getMessage(), log, started);
            } finally {
                delete();
                try (var paths = Files.walk(folder)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
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
                    stream = new LogStream(request.buildId(), BUILD_CONTAINER);
                    try {
                        stream.watch = client.pods().inNamespace(namespace).withName(name).inContainer(BUILD_CONTAINER).watchLog(stream);
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
            for (String container : List.of(FETCH_CONTAINER, BUILD_CONTAINER)) {
                if (container.equals(BUILD_CONTAINER) && stream != null) {
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
                    text = terminated(statuses, container).filter(t -> t.getExitCode() != 0).map(ContainerStateTerminated::getMessage)
                            .orElse(null);
                }
                if (text == null || text.isBlank()) {
                    continue;
                }
                LogStream whole = new LogStream(request.buildId(), container);
                whole.append(text);
                lines.addAll(whole.finish());
            }
            return lines;
        }

        private ArchBuildEvent failedWith(ContainerStateTerminated state, String what, List<String> log, Instant started) {
            BuildErrorCode code = EXIT_CODES.getOrDefault(state.getExitCode(), BuildErrorCode.BUILD_FAILED);
            if (code == BuildErrorCode.ARCH_MISMATCH && state.getMessage() != null && !state.getMessage().isBlank()) {
                // build.sh wrote what does not match (the config's platform, or the foreign executables) as the termination message
                List<String> lines = state.getMessage().strip().lines().toList();
                return failed(code, lines.get(lines.size() - 1), log, started);
            }
            String reason = state.getReason() == null ? "" : " (" + state.getReason() + ")";
            return failed(code, what + " failed with exit code " + state.getExitCode() + reason + "; the log tail shows why", log, started);
        }

        private ArchBuildEvent failed(BuildErrorCode code, String message, List<String> log, Instant started) {
            int lines = config.logTailLines();
            List<String> tail = log.size() <= lines ? log : log.subList(log.size() - lines, log.size());
            long total = Duration.between(started, Instant.now()).toMillis();
            return ArchBuildEvent.failed(request, workerId, false, new ArchBuildEvent.Failure(code, Redaction.maskUrlCredentials(message),
                    List.copyOf(tail)), new ArchBuildEvent.Durations(0, total, 0, 0), Instant.now());
        }

        private void delete() {
            try {
                client.pods().inNamespace(namespace).withName(name).delete();
            } catch (KubernetesClientException e) {
                Log.warnf("build %s: could not delete pod %s: %s", request.buildId(), name, e.getMessage());
            }
        }
    }

    /** Running now: its log is followed from here on. (A container seen only once it ended is read whole at the end.) */
    private static boolean buildContainerRunning(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return false;
        }
        return pod.getStatus().getContainerStatuses().stream().filter(s -> BUILD_CONTAINER.equals(s.getName()))
                .anyMatch(s -> s.getState() != null && s.getState().getRunning() != null);
    }

    /**
     * A container's log as it arrives (followed while it runs, or read whole at the end): each line
     * goes into the worker's log at once, URL credentials masked, and is kept for a FAILED event's tail.
     */
    static final class LogStream extends java.io.OutputStream {
        /** The most bytes of one line kept; the rest of an endless line is counted, not stored. */
        private static final int MAX_LINE_BYTES = 16 * 1024;

        private final String buildId;
        private final String container;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        private long droppedBytes;
        private final java.util.ArrayDeque<String> lines = new java.util.ArrayDeque<>();
        volatile io.fabric8.kubernetes.client.dsl.LogWatch watch;

        LogStream(String buildId, String container) {
            this.buildId = buildId;
            this.container = container;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                emit();
            } else if (line.size() < MAX_LINE_BYTES) {
                line.write(b);
            } else {
                droppedBytes++;
            }
        }

        /** A whole log at once, as if it had been followed. */
        synchronized void append(String text) {
            for (byte b : (text + "\n").getBytes(StandardCharsets.UTF_8)) {
                write(b);
            }
        }

        private void emit() {
            String text = line.toString(StandardCharsets.UTF_8) + (droppedBytes > 0 ? " [" + droppedBytes + " more bytes]" : "");
            line.reset();
            droppedBytes = 0;
            if (!text.isEmpty()) {
                String masked = SafeText.line(Redaction.maskUrlCredentials(text));
                lines.addLast(masked);
                if (lines.size() > SafeText.MAX_LINES) {
                    lines.removeFirst();
                }
                Log.infof("build %s %s | %s", buildId, container, masked);
            }
        }

        /** Waits a moment for the rest of an ended container's log, stops following, and returns every line. */
        List<String> finish() {
            if (watch != null) {
                try {
                    watch.onClose().toCompletableFuture().get(2, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    // the log ended without saying so; what arrived is kept
                }
                watch.close();
            }
            synchronized (this) {
                emit();
                return List.copyOf(lines);
            }
        }
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
