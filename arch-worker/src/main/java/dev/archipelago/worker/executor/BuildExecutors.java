package dev.archipelago.worker.executor;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

import dev.archipelago.worker.buildah.BuildahExecutor;
import dev.archipelago.worker.config.WorkerConfig;
import dev.archipelago.worker.identity.PlatformIdentity;
import dev.archipelago.worker.job.BuildExecutor;
import dev.archipelago.worker.kubernetes.KubernetesExecutor;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Makes the executor that {@code archipelago.worker.executor} names; the Kubernetes client is only created when it is used. */
@ApplicationScoped
public class BuildExecutors {

    @Produces
    @ApplicationScoped
    BuildExecutor executor(WorkerConfig config, Instance<KubernetesClient> kubernetes, PlatformIdentity identity) {
        return switch (config.executor()) {
            case BUILDAH -> new BuildahExecutor(config);
            case KUBERNETES -> new KubernetesExecutor(config, kubernetes.get(), identity.platform());
        };
    }
}
