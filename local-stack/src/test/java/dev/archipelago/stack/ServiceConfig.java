package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the deployment files are checked against: each service module's real configuration (the
 * environment variables it reads, its HTTP port) and the project version its images carry.
 */
final class ServiceConfig {

    static final List<String> MODULES = List.of("build-dispatcher", "arch-worker", "manifest-assembler");

    private static final Map<String, String> CONFIG_MAPPINGS = Map.of(
            "build-dispatcher", "build-dispatcher/src/main/java/dev/archipelago/dispatcher/config/DispatcherConfig.java",
            "arch-worker", "arch-worker/src/main/java/dev/archipelago/worker/config/WorkerConfig.java",
            "manifest-assembler", "manifest-assembler/src/main/java/dev/archipelago/assembler/config/AssemblerConfig.java");

    private ServiceConfig() {
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("archipelago.repo.root", "..")).toAbsolutePath().normalize();
    }

    /** The variables a module reads: ${NAME} placeholders in its properties and its config mapping's keys. */
    static Set<String> knownVariables(String module) throws IOException {
        Set<String> known = new HashSet<>();
        // Quarkus's own: extra configuration files, such as the dispatcher's API tokens from a Secret
        known.add("QUARKUS_CONFIG_LOCATIONS");
        String properties = Files.readString(repoRoot().resolve(module).resolve("src/main/resources/application.properties"));
        Matcher placeholder = Pattern.compile("\\$\\{([A-Z0-9_]+)").matcher(properties);
        while (placeholder.find()) {
            known.add(placeholder.group(1));
        }
        String source = Files.readString(repoRoot().resolve(CONFIG_MAPPINGS.get(module)));
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

    static int httpPort(String module) throws IOException {
        Matcher m = Pattern.compile("quarkus.http.port=\\$\\{HTTP_PORT:(\\d+)}").matcher(
                Files.readString(repoRoot().resolve(module).resolve("src/main/resources/application.properties")));
        assertThat(m.find()).as(module + " declares its HTTP port").isTrue();
        return Integer.parseInt(m.group(1));
    }

    static int managementPort(String module) throws IOException {
        Matcher m = Pattern.compile("quarkus.management.port=\\$\\{MANAGEMENT_PORT:(\\d+)}").matcher(
                Files.readString(repoRoot().resolve(module).resolve("src/main/resources/application.properties")));
        assertThat(m.find()).as(module + " declares its management port").isTrue();
        return Integer.parseInt(m.group(1));
    }

    static String projectVersion() throws IOException {
        Matcher m = Pattern.compile("<artifactId>archipelago-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(repoRoot().resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    static String env(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }
}
