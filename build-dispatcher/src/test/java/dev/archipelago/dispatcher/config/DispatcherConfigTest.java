package dev.archipelago.dispatcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.archipelago.dispatcher.security.Roles;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** An API token's role and a status target's provider are enums: another value stops the dispatcher at start. */
class DispatcherConfigTest {

    private static final String TOKEN = "archipelago.dispatcher.auth.tokens.ci.";
    private static final String TARGET = "archipelago.dispatcher.commit-status.targets.gitlab-main.";

    @Test
    void anUnknownRoleIsRefusedAtStartNamingTheKey() {
        Map<String, String> properties = valid();
        properties.put(TOKEN + "role", "owner");

        assertThatThrownBy(() -> config(properties)).hasMessageContaining(TOKEN + "role").hasMessageContaining("owner");
    }

    @Test
    void anUnknownProviderIsRefusedAtStartNamingTheKey() {
        Map<String, String> properties = valid();
        properties.put(TARGET + "provider", "bitbucket");

        assertThatThrownBy(() -> config(properties)).hasMessageContaining(TARGET + "provider")
                .hasMessageContaining("bitbucket");
    }

    @Test
    void theRolesAndProvidersAreReadAsWritten() {
        DispatcherConfig config = config(valid());

        assertThat(config.auth().tokens().get("ci").role()).isEqualTo(DispatcherConfig.Role.SUBMITTER);
        assertThat(config.auth().tokens().get("ci").role().roleName()).isEqualTo("submitter");
        assertThat(config.commitStatus().targets().get("gitlab-main").provider().wireName()).isEqualTo("gitlab");
    }

    @Test
    void theRolesNamesAreTheOnesTheEndpointsAllow() {
        assertThat(Arrays.stream(DispatcherConfig.Role.values()).map(DispatcherConfig.Role::roleName))
                .containsExactly(Roles.VIEWER, Roles.SUBMITTER, Roles.ADMIN);
    }

    private static Map<String, String> valid() {
        Map<String, String> properties = new HashMap<>();
        properties.put(TOKEN + "sha256", "ab".repeat(32));
        properties.put(TOKEN + "role", "submitter");
        properties.put(TARGET + "provider", "gitlab");
        properties.put(TARGET + "api-url", "https://gitlab.example.com/api/v4");
        properties.put(TARGET + "token", "not-used");
        return properties;
    }

    private static DispatcherConfig config(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(DispatcherConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 500)).build();
        return config.getConfigMapping(DispatcherConfig.class);
    }
}
