package dev.archipelago.worker.source;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryCredentials;
import dev.archipelago.worker.config.WorkerConfig;

/** The worker's registry client: its auth file, its plain-HTTP registries. */
public final class WorkerRegistryClient {

    private WorkerRegistryClient() {
    }

    public static RegistryClient of(WorkerConfig config) {
        RegistryCredentials credentials = config.authFile().map(Path::of).map(RegistryCredentials::fromAuthFile)
                .orElse(RegistryCredentials.none());
        return new RegistryClient(credentials, config.insecureRegistries().orElse(Set.of()), Duration.ofSeconds(10),
                Duration.ofMinutes(10), 3);
    }
}
