package dev.archipelago.failure;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness DOWN while a consumer or publisher of this service waits for a dependency, naming
 * each one, since when and its last failure. Liveness never looks at this: waiting is the
 * service working as meant, and a restart would not bring the dependency back.
 */
@Readiness
@ApplicationScoped
public class DependencyReadiness implements HealthCheck {

    private final DependencyWaits waits;

    public DependencyReadiness(DependencyWaits waits) {
        this.waits = waits;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("dependencies");
        var current = waits.current();
        current.forEach((what, wait) -> response.withData(what, "waiting since " + wait.since() + ": " + wait.lastFailure()));
        return response.status(current.isEmpty()).build();
    }
}
