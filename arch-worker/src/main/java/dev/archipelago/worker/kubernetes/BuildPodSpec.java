package dev.archipelago.worker.kubernetes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import dev.archipelago.model.ImageReference;
import dev.archipelago.model.Platform;
import dev.archipelago.model.Redaction;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.worker.config.WorkerConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

/**
 * The pod of one build, as the API server is sent it: an init container fetches the pinned
 * commit, the build container runs buildah (build, check the config's platform, push) and leaves
 * the pushed digest in its termination message. The pod is pinned to nodes of the worker's
 * platform ({@code kubernetes.io/arch}) and bounded by the request's timeout
 * ({@code activeDeadlineSeconds}).
 *
 * <p>
 * Both scripts are fixed files of this module; every value from the request reaches them as an
 * environment variable and is only ever used as a quoted argument.
 */
public final class BuildPodSpec {

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
    private final Platform platform;
    private final String namespace;

    BuildPodSpec(WorkerConfig config, Platform platform, String namespace) {
        this.config = config;
        this.settings = config.kubernetes();
        this.platform = platform;
        this.namespace = namespace;
    }

    /** The pod for one build: what the API server is sent. */
    Pod podFor(ArchBuildRequest request, String workerId) {
        ImageReference target = ImageReference.parseRepository(request.image().repository()).withTag(request.image().archTag());
        Instant deadline = request.requestedAt().plusSeconds(request.timeoutSeconds());
        long activeDeadline = Math.max(1, Duration.between(Instant.now(), deadline).toSeconds());
        PodBuilder pod = new PodBuilder()
                .withNewMetadata().withName(podName(request)).withNamespace(namespace).withLabels(podLabels(request, workerId))
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
                .withNewSecurityContext().withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .withInitContainers(fetchContainer(request))
                .withContainers(buildContainer(request, target))
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

    /** The labels the worker finds its pods by: the build, platform, attempt and worker. */
    private static Map<String, String> podLabels(ArchBuildRequest request, String workerId) {
        return new TreeMap<>(Map.of(
                LABEL_PART_OF, "archipelago",
                LABEL_COMPONENT, "build",
                LABEL_BUILD, request.buildId(),
                LABEL_PLATFORM, request.platform().tagSafeName(),
                LABEL_ATTEMPT, String.valueOf(request.attempt()),
                LABEL_WORKER, labelValue(workerId)));
    }

    /** The init container: fetch.sh clones the pinned commit into the workspace, as an unprivileged user. */
    private Container fetchContainer(ArchBuildRequest request) {
        return new ContainerBuilder()
                .withName(FETCH_CONTAINER).withImage(settings.fetchImage())
                .withCommand("/bin/sh", "-c", FETCH_SCRIPT, "archipelago-fetch")
                .withEnv(env(Map.of(
                        "ARCHIPELAGO_GIT_URL", request.source().git(),
                        "ARCHIPELAGO_COMMIT", request.source().commit(),
                        "ARCHIPELAGO_CONTEXT_DIR", contextDir(request),
                        "ARCHIPELAGO_DOCKERFILE", dockerfile(request))))
                .withWorkingDir("/workspace")
                .addNewVolumeMount().withName("workspace").withMountPath("/workspace").endVolumeMount()
                .withResources(fetchResources())
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(65532L).withAllowPrivilegeEscalation(false)
                .withNewCapabilities().addToDrop("ALL").endCapabilities()
                .endSecurityContext()
                .build();
    }

    /** The build container: build.sh builds, checks the platform, pushes, and leaves the digest as its termination message. */
    private Container buildContainer(ArchBuildRequest request, ImageReference target) {
        List<VolumeMount> mounts = new ArrayList<>(List.of(
                new VolumeMountBuilder().withName("workspace").withMountPath("/workspace").build(),
                new VolumeMountBuilder().withName("storage").withMountPath("/var/lib/containers").build()));
        settings.registrySecret().ifPresent(secret -> mounts
                .add(new VolumeMountBuilder().withName("registry-auth").withMountPath(AUTH_DIR).withReadOnly(true).build()));
        return new ContainerBuilder()
                .withName(BUILD_CONTAINER).withImage(settings.builderImage())
                .withCommand("/bin/sh", "-c", BUILD_SCRIPT, "archipelago-build")
                .withEnv(env(buildEnvironment(request, target)))
                .withWorkingDir("/workspace")
                .withVolumeMounts(mounts)
                .withResources(buildResources())
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
                .build();
    }

    /** What build.sh reads: every value from the request arrives here, and is only ever used as a quoted argument. */
    private Map<String, String> buildEnvironment(ArchBuildRequest request, ImageReference target) {
        boolean insecure = config.insecureRegistries().orElse(Set.of()).contains(target.registry());
        Map<String, String> build = new TreeMap<>(Map.of(
                "ARCHIPELAGO_PLATFORM", request.platform().ociName(),
                "ARCHIPELAGO_FORMAT", config.format().formatName(),
                "ARCHIPELAGO_TARGET", target.toString(),
                "ARCHIPELAGO_TLS_VERIFY", String.valueOf(!insecure),
                "ARCHIPELAGO_PUSH_RETRY_SECONDS", String.valueOf(config.pushRetryWindow().toSeconds()),
                "ARCHIPELAGO_ELF",
                (platform.elf64() ? 2 : 1) + " " + (platform.littleEndian() ? 1 : 2) + " " + platform.elfMachine(),
                "ARCHIPELAGO_VERIFY_MAX_FILES", String.valueOf(config.verifyMaxFiles()),
                "ARCHIPELAGO_BUILD_ARGS", lines(request.buildArgs()),
                "ARCHIPELAGO_LABELS", lines(labels(request)),
                "BUILDAH_ISOLATION", "chroot"));
        build.put("ARCHIPELAGO_CONTEXT_DIR", contextDir(request));
        build.put("ARCHIPELAGO_DOCKERFILE", dockerfile(request));
        settings.registrySecret().ifPresent(secret -> build.put("REGISTRY_AUTH_FILE", AUTH_DIR + "/.dockerconfigjson"));
        return build;
    }

    private ResourceRequirements fetchResources() {
        return new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(settings.cpuRequest()))
                .addToRequests("memory", new Quantity(settings.memoryRequest()))
                .addToLimits("cpu", new Quantity(settings.cpuLimit()))
                .addToLimits("memory", new Quantity(settings.memoryLimit()))
                .build();
    }

    /** The fetch container's, and ephemeral storage: vfs copies every layer, and the pod is evicted past its limit. */
    private ResourceRequirements buildResources() {
        return new ResourceRequirementsBuilder(fetchResources())
                .addToRequests("ephemeral-storage", new Quantity(settings.ephemeralStorageRequest()))
                .addToLimits("ephemeral-storage", new Quantity(settings.ephemeralStorageLimit()))
                .build();
    }

    private static String contextDir(ArchBuildRequest request) {
        return Objects.requireNonNullElse(request.source().contextDir(), ".");
    }

    private static String dockerfile(ArchBuildRequest request) {
        return Objects.requireNonNullElse(request.source().dockerfile(), "Dockerfile");
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
        return new TreeMap<>(entries).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n"));
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
}
