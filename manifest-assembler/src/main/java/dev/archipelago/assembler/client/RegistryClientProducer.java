package dev.archipelago.assembler.client;

import java.nio.file.Path;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import dev.archipelago.assembler.config.AssemblerConfig;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryCredentials;

/** Makes the one registry client of the assembler from its configuration. */
public class RegistryClientProducer {

    @Produces
    @ApplicationScoped
    RegistryClient registryClient(AssemblerConfig config) {
        RegistryCredentials credentials = config.authFile().map(Path::of).map(RegistryCredentials::fromAuthFile)
                .orElse(RegistryCredentials.none());
        return new RegistryClient(credentials, config.insecureRegistries().orElse(Set.of()), config.registryConnectTimeout(),
                config.registryRequestTimeout(), config.registryAttempts());
    }
}
