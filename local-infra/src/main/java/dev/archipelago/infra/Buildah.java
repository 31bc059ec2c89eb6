package dev.archipelago.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import dev.archipelago.model.Platform;

/**
 * buildah with a storage root of its own, so that tests neither see nor disturb the machine's
 * images. Runs as root with {@code --isolation chroot} (no user namespaces needed) on the
 * overlay driver.
 */
public final class Buildah implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final Path root;
    private final String driver;

    private Buildah(Path root, String driver) {
        this.root = root;
        this.driver = driver;
    }

    /** A buildah with fresh, private storage. */
    public static Buildah isolated() {
        Tools.buildah();
        try {
            return new Buildah(Files.createTempDirectory("archipelago-buildah"), "overlay");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The global options that select this storage: {@code --root}, {@code --runroot}, {@code --storage-driver}. */
    public List<String> storageOptions() {
        return List.of("--root", root.resolve("storage").toString(), "--runroot", root.resolve("run").toString(),
                "--storage-driver", driver);
    }

    /** Runs {@code buildah <storage options> <args>} and fails with its output unless it exits 0. */
    public Processes.Result run(String... args) {
        return Processes.run(TIMEOUT, null, Map.of(), command(args)).orThrow();
    }

    /** Like {@link #run(String...)} but returns failures instead of throwing. */
    public Processes.Result tryRun(String... args) {
        return Processes.run(TIMEOUT, null, Map.of(), command(args));
    }

    /** Builds {@code context} for a platform and tags it {@code tag}. */
    public void build(Path context, Platform platform, String tag) {
        Tools.requireEmulation(platform);
        run("build", "--isolation", "chroot", "--platform", platform.ociName(), "--layers", "-t", tag, context.toString());
    }

    /** Pushes a local image to a plain-HTTP registry, returning the pushed manifest's digest. */
    public String push(String image, String destination, String format) {
        return push(image, destination, format, null);
    }

    /** Pushes with the credentials of a containers auth.json. */
    public String push(String image, String destination, String format, Path authFile) {
        Path digestFile = root.resolve("digest-" + System.nanoTime());
        List<String> args = new ArrayList<>(List.of("push", "--tls-verify=false", "--format", format,
                "--digestfile", digestFile.toString()));
        if (authFile != null) {
            args.addAll(List.of("--authfile", authFile.toString()));
        }
        args.addAll(List.of(image, "docker://" + destination));
        run(args.toArray(String[]::new));
        try {
            return Files.readString(digestFile).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Pulls an image for a platform into a working container, runs a command in it (QEMU does the
     * foreign ones) and returns what it printed.
     */
    public String runIn(String image, Platform platform, String... command) {
        String container = run("from", "--tls-verify=false", "--platform", platform.ociName(), "--pull-always", image)
                .stdout().strip();
        try {
            List<String> args = new ArrayList<>(List.of("run", "--isolation", "chroot", container, "--"));
            args.addAll(List.of(command));
            return run(args.toArray(String[]::new)).stdout();
        } finally {
            tryRun("rm", container);
        }
    }

    private List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Tools.buildah().toString());
        command.addAll(storageOptions());
        command.addAll(List.of(args));
        return command;
    }

    @Override
    public void close() {
        tryRun("rm", "--all");
        tryRun("rmi", "--all", "--force");
        Processes.run(Duration.ofSeconds(30), "umount", "-R", root.resolve("storage").resolve(driver).toString());
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // leftovers in the temp folder are harmless
        }
    }
}
