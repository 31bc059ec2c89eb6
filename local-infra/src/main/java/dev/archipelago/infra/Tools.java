package dev.archipelago.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.archipelago.model.Platform;

/**
 * Checks that the tools the tests drive are installed, and fails with the command that
 * installs them when they are not: a test never skips itself because a tool is missing.
 */
public final class Tools {

    /** What sets the machine up; every failure message points at it. */
    public static final String SETUP = "scripts/setup.sh (as root)";

    private Tools() {
    }

    /** Returns the absolute path of a program on the PATH, or fails naming the Debian package. */
    public static Path require(String program, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("'" + program + "' is not installed: run " + SETUP
                + " or 'apt-get install -y " + debianPackage + "'");
    }

    public static Path buildah() {
        return require("buildah", "buildah");
    }

    public static Path skopeo() {
        return require("skopeo", "skopeo");
    }

    public static Path registry() {
        return require("docker-registry", "docker-registry");
    }

    public static Path git() {
        return require("git", "git");
    }

    /**
     * Checks that a foreign platform's executables run here: QEMU's static emulator is installed
     * and its binfmt_misc handler is registered and enabled.
     */
    public static void requireEmulation(Platform platform) {
        if (isNative(platform)) {
            return;
        }
        String name = platform.qemuBinfmtName();
        require(name + "-static", "qemu-user-static");
        Path entry = Path.of("/proc/sys/fs/binfmt_misc", name);
        try {
            List<String> lines = Files.exists(entry) ? Files.readAllLines(entry) : List.of();
            if (lines.isEmpty() || !lines.get(0).equals("enabled")) {
                throw new IllegalStateException("QEMU binfmt handler " + entry + " is not registered and enabled: run "
                        + SETUP + ", which mounts binfmt_misc and registers /usr/lib/binfmt.d/" + name + ".conf");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + entry + ": " + e.getMessage() + "; run " + SETUP, e);
        }
    }

    /** Whether this JVM runs natively on the given platform. */
    public static boolean isNative(Platform platform) {
        return Platform.fromJvmArch(System.getProperty("os.arch")).equals(platform);
    }

    /** Where downloads are kept between runs, outside the repository: ARCHIPELAGO_CACHE, else ~/.cache/archipelago. */
    public static Path cacheDirectory() {
        return Path
                .of(System.getenv().getOrDefault("ARCHIPELAGO_CACHE", System.getProperty("user.home") + "/.cache/archipelago"));
    }

    /** A statically linked busybox for the platform, as the setup script caches it. */
    public static Path busybox(Platform platform) {
        Path path = cacheDirectory().resolve("busybox").resolve(platform.tagSafeName()).resolve("busybox");
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException("no static busybox for " + platform + " at " + path + ": run " + SETUP
                    + " (it fetches Debian's busybox-static for amd64 and ppc64el)");
        }
        return path;
    }
}
