package dev.archipelago.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.archipelago.infra.Buildah;
import dev.archipelago.infra.Processes;
import dev.archipelago.infra.Tools;
import dev.archipelago.model.Digests;
import dev.archipelago.model.Platform;

/**
 * Debian 12 with a Java runtime, git, buildah and skopeo (about 550 MB unpacked per platform), for
 * machines that reach Debian's mirror but no container registry: the base of Archipelago's own
 * images when UBI cannot be pulled ({@code scripts/images.sh}), and the benchmark's real-sized app.
 *
 * <p>
 * Made once: the root file systems come from {@code scripts/debian-base.sh} (debootstrap; the
 * ppc64le one's second stage under QEMU) and the index built on them is kept as an OCI layout
 * beside them, under {@code ARCHIPELAGO_CACHE} (default {@code ~/.cache/archipelago}){@code /bases}.
 * Later calls copy that layout to the registry.
 */
public final class DebianJavaBase {

    /** What the base carries: what all three services' images need. */
    public static final List<String> PACKAGES = List.of("openjdk-17-jre-headless", "ca-certificates", "git", "buildah",
            "skopeo");
    private static final Duration DEBOOTSTRAP_TIMEOUT = Duration.ofMinutes(40);
    private static final String TAG = "bookworm";

    private DebianJavaBase() {
    }

    /** Pushes the base for these platforms as {@code <registryHost>/base/debian-java17:bookworm}; returns that reference. */
    public static String push(Path repoRoot, String registryHost, List<Platform> platforms, Consumer<String> say) {
        String base = registryHost + "/base/debian-java17:" + TAG;
        List<Path> rootfs = new ArrayList<>();
        for (Platform platform : platforms) {
            rootfs.add(rootfs(repoRoot, platform, say));
        }
        Path layout = layout(platforms, rootfs, say);
        Processes.run(Duration.ofMinutes(20), Tools.skopeo().toString(), "copy", "--all", "--quiet",
                "--dest-tls-verify=false", "oci:" + layout + ":" + TAG, "docker://" + base).orThrow();
        say.accept("base: pushed " + base + " (" + platforms + ") from " + layout);
        return base;
    }

    /** The OCI layout of the index over these root file systems: made the first time, then read from the cache. */
    private static Path layout(List<Platform> platforms, List<Path> rootfs, Consumer<String> say) {
        StringBuilder inputs = new StringBuilder();
        for (int i = 0; i < platforms.size(); i++) {
            inputs.append(platforms.get(i).ociName()).append(' ').append(rootfs.get(i).getFileName()).append('\n');
        }
        String key = Digests.sha256(inputs.toString().getBytes(StandardCharsets.UTF_8)).substring(7, 23);
        Path layout = Tools.cacheDirectory().resolve("bases").resolve("debian-java17-oci-" + key);
        if (Files.isRegularFile(layout.resolve("index.json"))) {
            return layout;
        }
        say.accept("base: building the index over the root file systems once (cached as " + layout + ")");
        Path partial = layout.resolveSibling(layout.getFileName() + ".partial");
        try (Buildah buildah = Buildah.isolated()) {
            deleteTree(partial);
            buildah.run("manifest", "create", "localhost/debian-java17-list");
            for (int i = 0; i < platforms.size(); i++) {
                Platform platform = platforms.get(i);
                String container = buildah.run("from", "--arch", platform.architecture(), "scratch").stdout().strip();
                buildah.run("add", container, rootfs.get(i).toString(), "/");
                buildah.run("config", "--os", platform.os(), "--arch", platform.architecture(), "--env", "LANG=C.UTF-8",
                        "--label", "org.opencontainers.image.description=Debian 12 with " + String.join(", ", PACKAGES),
                        container);
                String local = "localhost/debian-java17:" + platform.tagSafeName();
                buildah.run("commit", "--format", "oci", container, local);
                buildah.run("manifest", "add", "localhost/debian-java17-list", "containers-storage:" + local);
            }
            buildah.run("manifest", "push", "--all", "--format", "oci", "localhost/debian-java17-list",
                    "oci:" + partial + ":" + TAG);
            Files.move(partial, layout);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return layout;
    }

    private static Path rootfs(Path repoRoot, Platform platform, Consumer<String> say) {
        List<String> command = new ArrayList<>(
                List.of("bash", repoRoot.resolve("scripts/debian-base.sh").toString(), platform.ociName()));
        command.addAll(PACKAGES);
        say.accept("base: scripts/debian-base.sh " + platform.ociName() + " " + String.join(" ", PACKAGES)
                + " (cached after the first time; the first ppc64le one takes many minutes under QEMU)");
        Processes.Result result = Processes.run(DEBOOTSTRAP_TIMEOUT, null, Map.of(), command);
        if (!result.ok()) {
            throw new LocalStack.StackException(
                    "scripts/debian-base.sh " + platform.ociName() + " failed: " + result.stderr().strip());
        }
        Path tar = Path.of(result.stdout().strip());
        if (!Files.isRegularFile(tar)) {
            throw new LocalStack.StackException("scripts/debian-base.sh printed '" + tar + "', not a file");
        }
        return tar;
    }

    private static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (var paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
