package dev.archipelago.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml cannot run here (no engine), so this holds it to the services' real
 * configuration: every environment variable names a key the service reads, images and ports
 * match what the project builds, and start order is gated on health.
 */
class ComposeFileTest {

    private static final Map<String, String> CONFIG_MAPPINGS = Map.of(
            "build-dispatcher", "build-dispatcher/src/main/java/dev/archipelago/dispatcher/config/DispatcherConfig.java",
            "arch-worker", "arch-worker/src/main/java/dev/archipelago/worker/config/WorkerConfig.java",
            "manifest-assembler", "manifest-assembler/src/main/java/dev/archipelago/assembler/config/AssemblerConfig.java");

    private static Path root;
    private static JsonNode services;

    @BeforeAll
    static void read() throws IOException {
        root = Path.of(System.getProperty("archipelago.repo.root", "..")).toAbsolutePath().normalize();
        services = new ObjectMapper(new YAMLFactory()).readTree(root.resolve("docker-compose.yml").toFile()).path("services");
    }

    @Test
    void runsTheRealPartsAndEveryService() {
        assertThat(names(services)).containsExactlyInAnyOrder("kafka", "postgres", "registry", "build-dispatcher",
                "manifest-assembler", "arch-worker");
    }

    @Test
    void everyServiceImageIsBuiltByTheProjectFromItsModule() throws IOException {
        String version = projectVersion();
        for (String module : CONFIG_MAPPINGS.keySet()) {
            JsonNode service = services.path(module);
            assertThat(service.path("image").asText()).isEqualTo("archipelago/" + module + ":" + version);
            assertThat(service.path("build").path("context").asText()).isEqualTo("./" + module);
            Path dockerfile = root.resolve(module).resolve(service.path("build").path("dockerfile").asText());
            assertThat(dockerfile).exists();
            int port = httpPort(module);
            assertThat(Files.readString(dockerfile)).contains("EXPOSE " + port).contains("target/quarkus-app");
            assertThat(service.path("ports").get(0).asText()).isEqualTo(port + ":" + port);
        }
    }

    @Test
    void everyEnvironmentVariableIsAKeyTheServiceReads() throws IOException {
        for (String module : CONFIG_MAPPINGS.keySet()) {
            Set<String> known = knownVariables(module);
            Iterator<String> variables = services.path(module).path("environment").fieldNames();
            while (variables.hasNext()) {
                String variable = variables.next();
                assertThat(known).as("%s reads %s", module, variable).contains(variable);
            }
        }
    }

    @Test
    void servicesStartOnlyWhenWhatTheyNeedIsHealthy() {
        for (String module : CONFIG_MAPPINGS.keySet()) {
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
    }

    /** The variables a module reads: ${NAME} placeholders in its properties and its config mapping's keys. */
    private static Set<String> knownVariables(String module) throws IOException {
        Set<String> known = new HashSet<>();
        String properties = Files.readString(root.resolve(module).resolve("src/main/resources/application.properties"));
        Matcher placeholder = Pattern.compile("\\$\\{([A-Z0-9_]+)").matcher(properties);
        while (placeholder.find()) {
            known.add(placeholder.group(1));
        }
        String source = Files.readString(root.resolve(CONFIG_MAPPINGS.get(module)));
        Matcher prefix = Pattern.compile("@ConfigMapping\\(prefix = \"([^\"]+)\"\\)").matcher(source);
        assertThat(prefix.find()).isTrue();
        String base = env(prefix.group(1));
        Matcher method = Pattern.compile("(?m)^    (?:[\\w<>., ]+) (\\w+)\\(\\);").matcher(source);
        while (method.find()) {
            known.add(base + "_" + env(kebab(method.group(1))));
        }
        Matcher group = Pattern.compile("(?s)    interface (\\w+) \\{(.*?)\\n    }").matcher(source);
        while (group.find()) {
            String groupKey = kebab(Character.toLowerCase(group.group(1).charAt(0)) + group.group(1).substring(1));
            Matcher nested = Pattern.compile("(?m)^        (?:[\\w<>., ]+) (\\w+)\\(\\);").matcher(group.group(2));
            while (nested.find()) {
                known.add(base + "_" + env(groupKey) + "_" + env(kebab(nested.group(1))));
            }
        }
        return known;
    }

    private static int httpPort(String module) throws IOException {
        Matcher m = Pattern.compile("quarkus.http.port=\\$\\{HTTP_PORT:(\\d+)}").matcher(
                Files.readString(root.resolve(module).resolve("src/main/resources/application.properties")));
        assertThat(m.find()).as(module + " declares its HTTP port").isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static String projectVersion() throws IOException {
        Matcher m = Pattern.compile("<artifactId>archipelago-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(root.resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private static String env(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
