package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Holds docker-compose.yml to the services' real configuration, in seconds (ComposeTest brings it
 * up): every environment variable names a key the service reads, images and ports match what the
 * project builds, start order is gated on health, and nothing is published beyond loopback.
 */
class ComposeFileTest {

    private static Path root;
    private static JsonNode services;

    @BeforeAll
    static void read() throws IOException {
        root = ServiceConfig.repoRoot();
        services = new ObjectMapper(new YAMLFactory()).readTree(root.resolve("docker-compose.yml").toFile()).path("services");
    }

    @Test
    void runsTheRealPartsAndEveryService() {
        assertThat(names(services)).containsExactlyInAnyOrder("kafka", "postgres", "registry", "build-dispatcher",
                "manifest-assembler", "arch-worker", "arch-worker-ppc64le");
        assertThat(services.path("arch-worker-ppc64le").path("environment").path("ARCHIPELAGO_WORKER_PLATFORM").asText())
                .isEqualTo("linux/ppc64le");
        assertThat(services.path("arch-worker-ppc64le").path("image").asText())
                .isEqualTo(services.path("arch-worker").path("image").asText());
    }

    @Test
    void everyServiceImageIsBuiltByTheProjectFromItsModule() throws IOException {
        String version = ServiceConfig.projectVersion();
        for (String module : ServiceConfig.MODULES) {
            JsonNode service = services.path(module);
            assertThat(service.path("image").asText())
                    .isEqualTo("${ARCHIPELAGO_IMAGES:-localhost/archipelago}/" + module + ":${ARCHIPELAGO_VERSION:-" + version
                            + "}");
            assertThat(service.path("build").path("context").asText()).isEqualTo("./" + module);
            Path dockerfile = root.resolve(module).resolve(service.path("build").path("dockerfile").asText());
            assertThat(dockerfile).exists();
            int port = ServiceConfig.httpPort(module);
            assertThat(Files.readString(dockerfile)).contains("EXPOSE " + port).contains("target/quarkus-app");
            assertThat(Files.readString(dockerfile)).contains("ARG BASE=").contains("FROM ${BASE}");
        }
        assertThat(services.path("build-dispatcher").path("ports").get(0).asText())
                .isEqualTo("127.0.0.1:${ARCHIPELAGO_DISPATCHER_PORT:-8080}:" + ServiceConfig.httpPort("build-dispatcher"));
    }

    @Test
    void publishesOnlyOnLoopback() {
        for (String name : names(services)) {
            for (JsonNode port : services.path(name).path("ports")) {
                assertThat(port.asText()).as(name).startsWith("127.0.0.1:");
            }
        }
    }

    @Test
    void everyEnvironmentVariableIsAKeyTheServiceReads() throws IOException {
        for (String service : List.of("build-dispatcher", "manifest-assembler", "arch-worker", "arch-worker-ppc64le")) {
            String module = service.startsWith("arch-worker") ? "arch-worker" : service;
            Set<String> known = ServiceConfig.knownVariables(module);
            Iterator<String> variables = services.path(service).path("environment").fieldNames();
            while (variables.hasNext()) {
                String variable = variables.next();
                assertThat(known).as("%s reads %s", module, variable).contains(variable);
            }
        }
    }

    @Test
    void servicesStartOnlyWhenWhatTheyNeedIsHealthy() {
        for (String module : List.of("build-dispatcher", "manifest-assembler", "arch-worker", "arch-worker-ppc64le")) {
            JsonNode dependsOn = services.path(module).path("depends_on");
            assertThat(names(dependsOn)).as(module).contains("kafka");
            for (String dependency : names(dependsOn)) {
                assertThat(dependsOn.path(dependency).path("condition").asText()).isEqualTo("service_healthy");
                assertThat(services.path(dependency).has("healthcheck")).as(dependency + " has a healthcheck").isTrue();
            }
        }
    }

    @Test
    void keepsNoCredentialsAndNoPrivilegedContainer() throws IOException {
        String compose = Files.readString(root.resolve("docker-compose.yml"));
        assertThat(compose).doesNotContainPattern("(?i)PASSWORD: [^$\\s]");
        assertThat(services.path("arch-worker").path("privileged").asBoolean(false)).isFalse();
        assertThat(services.path("arch-worker-ppc64le").path("privileged").asBoolean(false)).isFalse();
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
