package dev.archipelago.worker.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.archipelago.worker.config.WorkerConfig;
import dev.archipelago.worker.identity.PlatformIdentity;
import dev.archipelago.worker.job.BuildExecutor;

/** Ready only when the executor can build: buildah answers, or the Kubernetes API lets the worker list its pods. */
@Readiness
@ApplicationScoped
public class BuilderReadiness implements HealthCheck {

    private final WorkerConfig config;
    private final PlatformIdentity identity;
    private final BuildExecutor executor;

    public BuilderReadiness(WorkerConfig config, PlatformIdentity identity, BuildExecutor executor) {
        this.config = config;
        this.identity = identity;
        this.executor = executor;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named(config.executor().configName())
                .withData("platform", identity.platform().ociName())
                .withData("emulated", identity.emulated());
        return executor.notReady().map(reason -> response.down().withData("reason", reason).build())
                .orElseGet(() -> response.up().build());
    }
}
