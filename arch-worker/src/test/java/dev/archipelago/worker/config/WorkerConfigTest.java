package dev.archipelago.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.archipelago.model.ImageFormat;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The worker's fixed value sets are enums: a value outside them stops the worker at start, naming the key. */
class WorkerConfigTest {

    @ParameterizedTest
    @CsvSource({ "executor, docker", "storage-driver, btrfs", "format, oci-v2" })
    void aValueOutsideTheSetIsRefusedAtStartNamingTheKey(String key, String value) {
        Map<String, String> properties = required();
        properties.put("archipelago.worker." + key, value);

        assertThatThrownBy(() -> config(properties))
                .hasMessageContaining("archipelago.worker." + key)
                .hasMessageContaining(value);
    }

    @Test
    void theValuesOfTheSetsAreReadAsWritten() {
        Map<String, String> properties = required();
        properties.put("archipelago.worker.executor", "kubernetes");
        properties.put("archipelago.worker.storage-driver", "vfs");
        properties.put("archipelago.worker.format", "docker");

        WorkerConfig config = config(properties);

        assertThat(config.executor()).isEqualTo(WorkerConfig.Executor.KUBERNETES);
        assertThat(config.executor().configName()).isEqualTo("kubernetes");
        assertThat(config.storageDriver().driverName()).isEqualTo("vfs");
        assertThat(config.format()).isEqualTo(ImageFormat.DOCKER);
        assertThat(config.format().manifestMediaType()).isEqualTo("application/vnd.docker.distribution.manifest.v2+json");
    }

    /** What has no default: the topic and group (derived from the platform in the application). */
    private static Map<String, String> required() {
        Map<String, String> properties = new HashMap<>();
        properties.put("archipelago.worker.requests-topic", "archipelago.builds.requests.amd64");
        properties.put("archipelago.worker.consumer-group", "archipelago-worker-amd64");
        return properties;
    }

    private static WorkerConfig config(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(WorkerConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 500)).build();
        return config.getConfigMapping(WorkerConfig.class);
    }
}
