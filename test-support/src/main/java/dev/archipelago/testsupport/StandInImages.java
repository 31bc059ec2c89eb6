package dev.archipelago.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

import dev.archipelago.infra.Processes;

/**
 * Kafka, PostgreSQL and the distribution registry as container images made from Debian packages
 * ({@code scripts/debian-base.sh}) and Kafka's Maven jars (this JVM's class path), for machines that
 * reach no container registry. Each starts as the official image does ({@code apache/kafka}'s
 * {@code /etc/kafka/docker/run} reading KAFKA_* variables, {@code postgres}'s POSTGRES_* variables
 * and init scripts, {@code registry:2}'s port 5000) and answers the same health checks.
 */
public final class StandInImages {

    public static final String KAFKA = "localhost/archipelago-stand-in/kafka:4.1.2";
    public static final String POSTGRES = "localhost/archipelago-stand-in/postgres:15";
    public static final String REGISTRY = "localhost/archipelago-stand-in/registry:2";
    private static final String BASE = "localhost/archipelago-stand-in/debian:bookworm";
    private static final List<String> PACKAGES = List.of("openjdk-17-jre-headless", "postgresql-15", "docker-registry", "wget",
            "ca-certificates");
    /**
     * The Maven groups of Kafka's broker, its tools and their dependencies, and the log manager the in-JVM broker logs with.
     */
    private static final Pattern KAFKA_JARS = Pattern.compile("/(org/apache/kafka|org/scala-lang"
            + "|com/fasterxml/jackson|com/typesafe/scala-logging|org/slf4j/slf4j-api|com/github/luben|org/lz4|at/yawk/lz4|org/xerial/snappy"
            + "|net/sf/jopt-simple|net/sourceforge/argparse4j|com/yammer/metrics|org/bitbucket/b_c|org/pcollections|com/github/ben-manes"
            + "|io/opentelemetry/proto|com/google/protobuf|org/jboss/logmanager|org/jboss/slf4j|io/smallrye/common"
            + "|org/apache/logging/log4j/log4j-api|commons-validator|commons-beanutils|commons-digester|commons-collections"
            + "|org/hdrhistogram|com/dynatrace/hash4j|com/google/re2j|io/github/classgraph)/");
    private static final String[] FILES = { "kafka-run", "kafka-broker-api-versions.sh", "postgres-entrypoint",
            "registry-config.yml" };

    private final Podman podman;
    private final Path work;

    public StandInImages(Podman podman) {
        this.podman = podman;
        try {
            this.work = Files.createTempDirectory("archipelago-stand-ins");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds the Kafka image alone, also tagged as {@code extraTags} (such as the name Testcontainers asks for). */
    public void kafka(String... extraTags) {
        base();
        Path libs = work.resolve("kafka-libs");
        try {
            Files.createDirectories(libs);
            for (Path jar : kafkaJars()) {
                Files.copy(jar, libs.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String kafka = buildah("from", BASE).strip();
        buildah("copy", kafka, libs.toString(), "/opt/kafka/libs/");
        buildah("copy", "--chmod", "755", kafka, file("kafka-run").toString(), "/etc/kafka/docker/run");
        buildah("copy", "--chmod", "755", kafka, file("kafka-broker-api-versions.sh").toString(),
                "/opt/kafka/bin/kafka-broker-api-versions.sh");
        // a command, not an entrypoint, as in apache/kafka: Testcontainers replaces the command
        buildah("config", "--cmd", "/etc/kafka/docker/run", "--port", "9092", kafka);
        buildah("commit", "--rm", kafka, KAFKA);
        for (String tag : extraTags) {
            buildah("tag", KAFKA, tag);
        }
    }

    /** Builds all three. */
    public void all() {
        kafka();
        String postgres = buildah("from", BASE).strip();
        buildah("copy", "--chmod", "755", postgres, file("postgres-entrypoint").toString(), "/usr/local/bin/docker-entrypoint");
        buildah("config", "--entrypoint", "[\"/usr/local/bin/docker-entrypoint\"]", "--port", "5432", postgres);
        buildah("commit", "--rm", postgres, POSTGRES);

        String registry = buildah("from", BASE).strip();
        buildah("copy", registry, file("registry-config.yml").toString(), "/etc/docker/registry/config.yml");
        buildah("config", "--entrypoint", "[\"/usr/bin/docker-registry\", \"serve\", \"/etc/docker/registry/config.yml\"]",
                "--port", "5000", registry);
        buildah("commit", "--rm", registry, REGISTRY);
    }

    private void base() {
        if (podman.podman(Duration.ofSeconds(60), "image", "exists", BASE).ok()) {
            return;
        }
        Path script = Path.of(System.getProperty("archipelago.repo.root", "..")).resolve("scripts/debian-base.sh")
                .toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of("bash", script.toString(), "linux/amd64"));
        command.addAll(PACKAGES);
        Path rootfs = Path.of(Processes.run(Duration.ofMinutes(30), null, Map.of(), command).orThrow().stdout().strip());
        String from = buildah("from", "scratch").strip();
        buildah("add", from, rootfs.toString(), "/");
        buildah("config", "--env", "LANG=C.UTF-8", from);
        buildah("commit", "--rm", from, BASE);
    }

    /** The stand-ins' scripts, from this module's resources. */
    private Path file(String name) {
        Path target = work.resolve("files").resolve(name);
        if (!Files.exists(target)) {
            try (InputStream in = StandInImages.class.getResourceAsStream("/stand-ins/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("no /stand-ins/" + name + " on the class path");
                }
                Files.createDirectories(target.getParent());
                Files.copy(in, target);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return target;
    }

    private String buildah(String... args) {
        List<String> command = new ArrayList<>(List.of("buildah"));
        command.addAll(List.of(args));
        return podman.run(Duration.ofMinutes(10), null, command).orThrow().stdout();
    }

    /** Kafka's jars, from this JVM's class path (the surefire booter's manifest included). */
    static List<Path> kafkaJars() throws IOException {
        Set<Path> jars = new TreeSet<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (!entry.endsWith(".jar") || !Files.isRegularFile(path)) {
                continue;
            }
            jars.add(path);
            try (JarFile jar = new JarFile(path.toFile())) {
                Manifest manifest = jar.getManifest();
                String classPath = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
                if (classPath != null) {
                    for (String url : classPath.split(" ")) {
                        if (url.endsWith(".jar")) {
                            jars.add(Path.of(path.getParent().toUri().resolve(url)));
                        }
                    }
                }
            }
        }
        return jars.stream().filter(Files::isRegularFile)
                .filter(p -> KAFKA_JARS.matcher(p.toString().replace('\\', '/')).find()).toList();
    }

}
