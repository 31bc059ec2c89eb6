package dev.archipelago.worker.config;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;

import dev.archipelago.model.Platform;
import dev.archipelago.model.messaging.Topics;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;

/**
 * Derives the worker's request topic and consumer group from its platform, so that
 * {@code application.properties} can say {@code topic=${archipelago.worker.requests-topic}}
 * whether the platform is configured or detected from the JVM.
 */
public class WorkerTopicConfigSourceFactory implements ConfigSourceFactory {

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue configured = context.getValue("archipelago.worker.platform");
        Platform platform;
        try {
            platform = configured != null && configured.getValue() != null && !configured.getValue().isBlank()
                    ? Platform.parse(configured.getValue())
                    : Platform.fromJvmArch(System.getProperty("os.arch"));
        } catch (IllegalArgumentException e) {
            // PlatformIdentity refuses to start with the same message; the topic does not matter then
            return List.of();
        }
        return List.of(new MapBackedConfigSource("archipelago-worker-topics", Map.of(
                "archipelago.worker.requests-topic", Topics.requestsFor(platform),
                "archipelago.worker.consumer-group", Topics.workerGroupFor(platform)), 50) {
        });
    }
}
