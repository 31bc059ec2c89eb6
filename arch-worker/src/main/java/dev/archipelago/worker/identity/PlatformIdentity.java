package dev.archipelago.worker.identity;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.archipelago.model.Platform;
import dev.archipelago.worker.config.WorkerConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;

/**
 * Which platform this worker builds, and proof that it can: the platform comes from
 * configuration or the JVM's {@code os.arch}; the host's real platform from the ELF header of the
 * running JVM ({@code /proc/self/exe}). A worker configured for another platform than the host's
 * refuses to start unless emulation is allowed and QEMU's binfmt handler for it is registered.
 * With the Kubernetes executor the builds run in pods pinned to nodes of the platform
 * ({@code kubernetes.io/arch}), so the worker's own host may be any platform and nothing is emulated.
 */
@Startup
@ApplicationScoped
public class PlatformIdentity {

    private final Platform platform;
    private final Platform host;
    private final boolean emulated;

    @Inject
    public PlatformIdentity(WorkerConfig config) {
        this(config.platform().orElse(null), config.emulation(), Path.of("/proc/self/exe"), Path.of(config.binfmtDir()),
                config.executor() == WorkerConfig.Executor.KUBERNETES);
    }

    PlatformIdentity(String configured, boolean emulationAllowed, Path executable, Path binfmtDir) {
        this(configured, emulationAllowed, executable, binfmtDir, false);
    }

    PlatformIdentity(String configured, boolean emulationAllowed, Path executable, Path binfmtDir, boolean buildsInPods) {
        this.host = hostPlatform(executable);
        this.platform = configured == null || configured.isBlank() ? Platform.fromJvmArch(System.getProperty("os.arch"))
                : Platform.parse(configured);
        if (buildsInPods) {
            this.emulated = false;
            Log.infof("worker platform %s, built in pods on %s nodes (this worker runs on a %s host)", platform,
                    platform.architecture(), host);
            return;
        }
        this.emulated = !platform.equals(host);
        if (emulated) {
            if (!emulationAllowed) {
                throw new IllegalStateException("this worker is configured for " + platform + " but runs on " + host
                        + "; set archipelago.worker.emulation=true to build it under QEMU, or run the worker on " + platform);
            }
            Path handler = binfmtDir.resolve(platform.qemuBinfmtName());
            if (!firstLineIs(handler, "enabled")) {
                throw new IllegalStateException("emulation of " + platform + " needs the QEMU binfmt handler " + handler
                        + ", which is not registered and enabled: apt-get install -y qemu-user-static and register "
                        + "/usr/lib/binfmt.d/" + platform.qemuBinfmtName() + ".conf (scripts/setup.sh does both)");
            }
        }
        Log.infof("worker platform %s on a %s host%s", platform, host, emulated ? " (emulated with QEMU)" : "");
    }

    public Platform platform() {
        return platform;
    }

    public Platform host() {
        return host;
    }

    public boolean emulated() {
        return emulated;
    }

    /** The platform of an ELF executable, from its class, byte order and machine fields. */
    public static Platform hostPlatform(Path executable) {
        try (InputStream in = Files.newInputStream(executable)) {
            byte[] header = in.readNBytes(20);
            ElfHeader elf = ElfHeader.parse(header);
            if (elf == null) {
                throw new IllegalStateException(executable + " is not an ELF executable");
            }
            return Platform.supported().stream().filter(elf::matches).findFirst().orElseThrow(() -> new IllegalStateException(
                    "the host's ELF machine " + elf.machine() + " is not a platform Archipelago builds"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + executable + " to learn the host's platform: " + e.getMessage(),
                    e);
        }
    }

    private static boolean firstLineIs(Path file, String expected) {
        try {
            List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            return !lines.isEmpty() && lines.get(0).strip().equals(expected);
        } catch (IOException e) {
            return false;
        }
    }
}
