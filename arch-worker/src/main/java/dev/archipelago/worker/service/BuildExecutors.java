package dev.archipelago.worker.service;

import dev.archipelago.worker.config.WorkerConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

/** Makes the executor that {@code archipelago.worker.executor} names; the Kubernetes client is only created when it is used. */
@ApplicationScoped
public class BuildExecutors {

    @Produces
    @ApplicationScoped
    BuildExecutor executor(WorkerConfig config, Instance<KubernetesClient> kubernetes, PlatformIdentity identity) {
        return switch (config.executor()) {
            case "buildah" -> new LocalBuildahExecutor(config);
            case "kubernetes" -> new KubernetesExecutor(config, kubernetes.get(), identity.platform());
            default -> throw new IllegalStateException("archipelago.worker.executor is '" + config.executor()
                    + "'; use buildah (a child process here) or kubernetes (a build pod per build)");
        };
    }
}
