package dev.archipelago.worker.health;

import dev.archipelago.worker.config.WorkerConfig;
import dev.archipelago.worker.service.PlatformIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Ready only when buildah answers; the broker has its own check. */
@Readiness
@ApplicationScoped
public class BuilderReadiness implements HealthCheck {

    private final WorkerConfig config;
    private final PlatformIdentity identity;

    public BuilderReadiness(WorkerConfig config, PlatformIdentity identity) {
        this.config = config;
        this.identity = identity;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("buildah").withData("platform", identity.platform().ociName())
                .withData("emulated", identity.emulated());
        try {
            Process process = new ProcessBuilder(List.of(config.buildah(), "version")).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0) {
                return response.up().build();
            }
            process.destroyForcibly();
            return response.down().withData("reason", "buildah version did not succeed").build();
        } catch (java.io.IOException e) {
            return response.down().withData("reason", "cannot run " + config.buildah() + ": " + e.getMessage()).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return response.down().build();
        }
    }
}
