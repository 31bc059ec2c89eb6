package dev.archipelago.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.archipelago.infra.Processes;
import dev.archipelago.infra.Tools;

/**
 * podman (and podman-compose) for tests, with a storage of its own and the two settings this
 * sandbox needs: a containers.conf with {@code default_ulimits = []} and {@code cgroups =
 * "disabled"} (setrlimit is refused here), and a mount namespace of its own in which the cgroup v2
 * mount that sits beside the v1 hierarchy is unmounted. The namespace is kept in a file and every
 * command enters it, so containers started by one command are seen by the next. Users run podman
 * as it comes: none of this is in the compose file.
 */
public final class Podman implements AutoCloseable {

    private final Path root;
    private final Path namespace;
    private final Map<String, String> environment;
    private Process apiService;
    private boolean closed;

    private Podman(Path root) {
        this.root = root;
        this.namespace = root.resolve("ns").resolve("mnt");
        this.environment = Map.of("CONTAINERS_CONF", root.resolve("containers.conf").toString(),
                "CONTAINERS_STORAGE_CONF", root.resolve("storage.conf").toString(),
                "CONTAINERS_REGISTRIES_CONF", root.resolve("registries.conf").toString());
    }

    /** A podman with an empty storage of its own under a new temporary folder. */
    public static Podman isolated() {
        Tools.require("podman", "podman");
        Tools.require("nsenter", "util-linux");
        Path root;
        try {
            root = Files.createTempDirectory("archipelago-podman");
            // netavark (with aardvark-dns, which resolves compose service names) whatever the storage
            // holds, and network definitions of its own rather than the machine's /etc/containers/networks
            Files.writeString(root.resolve("containers.conf"), """
                    [containers]
                    default_ulimits = []
                    cgroups = "disabled"

                    [network]
                    network_backend = "netavark"
                    network_config_dir = "%s"
                    """.formatted(root.resolve("networks")));
            Files.writeString(root.resolve("storage.conf"), """
                    [storage]
                    driver = "overlay"
                    graphroot = "%s"
                    runroot = "%s"
                    """.formatted(root.resolve("storage"), root.resolve("run")));
            // short names are never looked up on a registry: an image missing here is an error, not a pull
            Files.writeString(root.resolve("registries.conf"), "unqualified-search-registries = []\n");
            Files.createDirectories(root.resolve("ns"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Podman podman = new Podman(root);
        String ns = root.resolve("ns").toString();
        Duration bound = Duration.ofSeconds(30);
        Processes.run(bound, "mount", "--bind", ns, ns).orThrow();
        Processes.run(bound, "mount", "--make-private", ns).orThrow();
        try {
            Files.createFile(podman.namespace);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Processes.run(bound, "unshare", "--mount=" + podman.namespace, "true").orThrow();
        // absent on machines with a single cgroup hierarchy: nothing to undo there
        Processes.run(bound, podman.inNamespace("umount", "-l", "/sys/fs/cgroup/unified").toArray(String[]::new));
        return podman;
    }

    /** The variables that point podman, podman-compose, buildah and skopeo at this storage. */
    public Map<String, String> environment() {
        return environment;
    }

    /** The command line that runs {@code command} in this podman's mount namespace. */
    public List<String> inNamespace(String... command) {
        List<String> line = new ArrayList<>(List.of("nsenter", "--mount=" + namespace, "--"));
        line.addAll(List.of(command));
        return line;
    }

    /** {@code podman <args>} in the namespace, bounded; the result, failures included. */
    public Processes.Result podman(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        return run(timeout, null, command);
    }

    /** Any command (podman-compose, skopeo, buildah) in the namespace with this storage. */
    public Processes.Result run(Duration timeout, Path directory, List<String> command) {
        return Processes.run(timeout, directory, environment, inNamespace(command.toArray(String[]::new)));
    }

    /**
     * Serves this podman's Docker-compatible API on a unix socket ({@code podman system service}),
     * for Testcontainers, until {@link #close()}; returns once the API answers {@code /_ping}.
     */
    public void serveDockerApi(Path socket) {
        try {
            Files.deleteIfExists(socket);
            ProcessBuilder builder = new ProcessBuilder(
                    inNamespace("podman", "system", "service", "--time=0", "unix://" + socket))
                    .redirectErrorStream(true).redirectOutput(root.resolve("api-service.log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().putAll(environment);
            apiService = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start podman system service: " + e.getMessage(), e);
        }
        Instant deadline = Instant.now().plusSeconds(30);
        while (!pings(socket)) {
            if (!apiService.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("podman system service does not answer on " + socket + " (log: "
                        + root.resolve("api-service.log") + ")");
            }
            Thread.onSpinWait();
        }
    }

    /** Whether a Docker-compatible API answers {@code GET /_ping} on this unix socket. */
    public static boolean pings(Path socket) {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            channel.write(ByteBuffer.wrap(
                    "GET /_ping HTTP/1.1\r\nHost: podman\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer answer = ByteBuffer.allocate(256);
            channel.read(answer);
            return new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII)
                    .matches("(?s)HTTP/1\\.[01] 200 .*");
        } catch (IOException notYet) {
            return false;
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        podman(Duration.ofMinutes(2), "rm", "--all", "--force", "--time", "5");
        podman(Duration.ofMinutes(2), "network", "prune", "--force");
        podman(Duration.ofMinutes(2), "volume", "prune", "--force");
        podman(Duration.ofMinutes(2), "rmi", "--all", "--force");
        if (apiService != null) {
            apiService.descendants().forEach(ProcessHandle::destroy);
            apiService.destroy();
            try {
                if (!apiService.waitFor(10, TimeUnit.SECONDS)) {
                    apiService.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Duration bound = Duration.ofSeconds(30);
        Processes.run(bound, "umount", namespace.toString());
        Processes.run(bound, "umount", "-l", root.resolve("ns").toString());
        Processes.run(bound, "umount", "-R", "-l", root.resolve("storage").resolve("overlay").toString());
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // leftovers in the temp folder are harmless
        }
    }
}
