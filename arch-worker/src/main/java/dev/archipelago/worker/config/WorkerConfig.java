package dev.archipelago.worker.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import dev.archipelago.model.ImageFormat;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "archipelago.worker")
public interface WorkerConfig {

    /** The platform this worker builds (OCI name or alias); detected from the JVM's os.arch when unset. */
    Optional<String> platform();

    /** The request topic; derived from the platform by {@link WorkerTopicConfigSourceFactory}. */
    String requestsTopic();

    /** The consumer group; derived from the platform by {@link WorkerTopicConfigSourceFactory}. */
    String consumerGroup();

    /** Allow building a platform this host is not, through QEMU binfmt; results are marked emulated. */
    @WithDefault("false")
    boolean emulation();

    /** How many builds run at once (the tutorial's runners used 10). */
    @WithDefault("2")
    int concurrency();

    /** This worker's id in events and heartbeats; defaults to the host name, the platform and a random suffix. */
    Optional<String> id();

    /**
     * The executor: {@code buildah} (a child process on this host) or {@code kubernetes} (a build pod
     * per platform build, on a node of the worker's platform, through the Kubernetes API).
     */
    @WithDefault("buildah")
    Executor executor();

    /** Where builds run; SmallRye Config refuses any other value at start. */
    enum Executor {
        /** buildah as a child process on this host. */
        BUILDAH,
        /** A build pod per platform build, through the Kubernetes API. */
        KUBERNETES;

        /** The value as configured and as heartbeats report it: {@code buildah} or {@code kubernetes}. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The buildah program. */
    @WithDefault("buildah")
    String buildah();

    /** The skopeo program (reads the pushed manifest back). */
    @WithDefault("skopeo")
    String skopeo();

    /** The git program. */
    @WithDefault("git")
    String git();

    /** buildah's storage root, kept between builds as the layer cache. */
    @WithDefault("/var/lib/archipelago/storage")
    String storageRoot();

    /** buildah's run root. */
    @WithDefault("/run/archipelago/storage")
    String runRoot();

    /** {@code overlay}, {@code vfs}, or {@code auto} (overlay where the kernel has it, else vfs). */
    @WithDefault("auto")
    StorageDriver storageDriver();

    /** buildah's storage driver. */
    enum StorageDriver {
        /** overlay where the kernel has it, else vfs. */
        AUTO,
        OVERLAY,
        VFS;

        /** The driver's name for buildah's {@code --storage-driver}. */
        public String driverName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** buildah's isolation; {@code chroot} needs no user namespaces (what restricted pods allow). */
    @WithDefault("chroot")
    String isolation();

    /** Build layers are cached and reused ({@code --layers}); false builds with {@code --no-cache} like the tutorial. */
    @WithDefault("true")
    boolean layerCache();

    /** Image format pushed: {@code oci} or {@code docker}. */
    @WithDefault("oci")
    ImageFormat format();

    /** Where each build's private work folder is made; removed after every build. */
    @WithDefault("/var/tmp/archipelago/work")
    String workDir();

    /** Where the results of finished builds are kept, so that a redelivered request is answered without a rebuild. */
    @WithDefault("/var/lib/archipelago/results")
    String resultsDir();

    /** The containers auth.json used to pull base images and to push. */
    Optional<String> authFile();

    /** Registries (host:port) spoken to over plain HTTP. */
    Optional<Set<String>> insecureRegistries();

    /**
     * How long a push that fails with a server or connection error (the registry away) is tried
     * again, with waits of 1, 2, 4 ... 10 s; never beyond the build's timeout. A registry that
     * refuses the credentials is not tried again.
     */
    @WithDefault("10m")
    Duration pushRetryWindow();

    /** The most bytes a build context from the CLI (a bundle) may unpack to; its archive may not be larger either. */
    @WithDefault("1073741824")
    long contextMaxBytes();

    /** The most entries (files, folders, links) a build context from the CLI may hold. */
    @WithDefault("100000")
    int contextMaxEntries();

    /** The most executables whose ELF header is checked per image. */
    @WithDefault("2000")
    int verifyMaxFiles();

    /** How often a heartbeat is sent. */
    @WithDefault("10s")
    Duration heartbeatInterval();

    /** Lines of the build log carried by a FAILED event. */
    @WithDefault("50")
    int logTailLines();

    /** The binfmt_misc folder where QEMU handlers are registered. */
    @WithDefault("/proc/sys/fs/binfmt_misc")
    String binfmtDir();

    /** The Kubernetes executor's settings ({@code archipelago.worker.kubernetes.*}). */
    Kubernetes kubernetes();

    interface Kubernetes {
        /** Where build pods are made; the client's namespace (the worker's own, in a cluster) when unset. */
        Optional<String> namespace();

        /** The image of the build container: buildah (and sh) in it, run with chroot isolation and vfs storage. */
        @WithDefault("quay.io/buildah/stable:v1.38")
        String builderImage();

        /** The image of the init container that fetches the source: git and a POSIX sh. */
        @WithDefault("docker.io/alpine/git:v2.47.2")
        String fetchImage();

        /**
         * A {@code kubernetes.io/dockerconfigjson} Secret mounted read-only into the build container for pulls and the push.
         */
        Optional<String> registrySecret();

        /** The build pods' service account: it needs no API access, only the SecurityContextConstraints for buildah. */
        @WithDefault("archipelago-build")
        String serviceAccount();

        @WithDefault("500m")
        String cpuRequest();

        @WithDefault("2")
        String cpuLimit();

        @WithDefault("1Gi")
        String memoryRequest();

        @WithDefault("4Gi")
        String memoryLimit();

        /** How often a build pod's state is read. */
        /** The build container's ephemeral-storage request: vfs keeps a copy of every layer. */
        @WithDefault("4Gi")
        String ephemeralStorageRequest();

        /** The build container's ephemeral-storage limit: past it, the kubelet evicts the pod and the build fails. */
        @WithDefault("24Gi")
        String ephemeralStorageLimit();

        /** The size limit of the build pod's workspace emptyDir (the fetched source). */
        @WithDefault("2Gi")
        String workspaceSize();

        /** The size limit of the build pod's container storage emptyDir (layers, vfs). */
        @WithDefault("20Gi")
        String storageSize();

        @WithDefault("1s")
        Duration pollInterval();

        /**
         * The worker's own pod (from the downward API): set, build pods get it as their owner, so
         * that Kubernetes removes them when the worker's pod goes away.
         */
        Optional<String> ownerPodName();

        Optional<String> ownerPodUid();
    }
}
