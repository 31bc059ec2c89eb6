package dev.archipelago.worker.kubernetes;

import java.io.IOException;
import java.util.Optional;

import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.worker.buildah.BuildahCommands;
import dev.archipelago.worker.config.WorkerConfig;
import dev.archipelago.worker.job.BuildExecutor;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.logging.Log;

/**
 * Builds each platform in a pod of its own ({@link BuildPodSpec}, {@link BuildPod}), made through
 * the Kubernetes API in the worker's namespace. The pod is deleted in every path. The worker copies
 * the pod's log into its own log and into a FAILED event's log tail ({@link PodLogStream}), and
 * reads the pushed manifest back from the registry to learn its size.
 */
public final class KubernetesExecutor implements BuildExecutor {

    private final WorkerConfig config;
    private final KubernetesClient client;
    private final Platform platform;
    private final String namespace;
    private final BuildPodSpec spec;
    /** Reads the pushed manifest back (its size) with the worker's registry credentials. */
    private final BuildahCommands buildah;

    public KubernetesExecutor(WorkerConfig config, KubernetesClient client, Platform platform) {
        this.config = config;
        this.client = client;
        this.platform = platform;
        this.namespace = config.kubernetes().namespace()
                .orElseGet(() -> Optional.ofNullable(client.getNamespace()).orElse("default"));
        this.spec = new BuildPodSpec(config, platform, namespace);
        this.buildah = new BuildahCommands(config);
    }

    @Override
    public PlatformBuild prepare(ArchBuildRequest request, String workerId, boolean emulated) throws IOException {
        return new BuildPod(request, workerId, config, client, namespace, spec, buildah);
    }

    /** Deletes the build pods an earlier run of this worker (same worker id) left behind. */
    @Override
    public void removeLeftovers(String workerId) {
        String worker = BuildPodSpec.labelValue(workerId);
        try {
            var leftovers = client.pods().inNamespace(namespace).withLabel(BuildPodSpec.LABEL_WORKER, worker).list().getItems();
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
            client.pods().inNamespace(namespace).withLabel(BuildPodSpec.LABEL_COMPONENT, "build").list();
            return Optional.empty();
        } catch (KubernetesClientException e) {
            return Optional.of("cannot list pods in namespace " + namespace + ": " + e.getMessage());
        }
    }

    @Override
    public String describe() {
        return "build pods in namespace " + namespace + " on kubernetes.io/arch=" + platform.architecture() + " nodes, image "
                + config.kubernetes().builderImage();
    }
}
