package dev.archipelago.worker.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.archipelago.model.Platform;

class PlatformIdentityTest {

    private static final Path SELF = Path.of("/proc/self/exe");

    @TempDir
    Path binfmt;

    @Test
    void provesTheHostPlatformFromTheJvmsOwnElfHeader() {
        assertThat(PlatformIdentity.hostPlatform(SELF)).isEqualTo(Platform.fromJvmArch(System.getProperty("os.arch")));
    }

    @Test
    void aNativeWorkerIsNotEmulated() {
        PlatformIdentity identity = new PlatformIdentity(null, false, SELF, binfmt);
        assertThat(identity.emulated()).isFalse();
        assertThat(identity.platform()).isEqualTo(identity.host());
    }

    @Test
    void refusesAForeignPlatformWithoutEmulation() {
        assertThatThrownBy(() -> new PlatformIdentity("s390x", false, SELF, binfmt))
                .hasMessageContaining("configured for linux/s390x").hasMessageContaining("archipelago.worker.emulation=true");
    }

    @Test
    void refusesEmulationWithoutARegisteredQemuHandler() throws Exception {
        assertThatThrownBy(() -> new PlatformIdentity("s390x", true, SELF, binfmt))
                .hasMessageContaining("qemu-s390x").hasMessageContaining("qemu-user-static");
        Files.writeString(binfmt.resolve("qemu-s390x"), "disabled\n");
        assertThatThrownBy(() -> new PlatformIdentity("s390x", true, SELF, binfmt))
                .hasMessageContaining("not registered and enabled");
    }

    @Test
    void acceptsEmulationWithAnEnabledHandlerAndMarksItEmulated() throws Exception {
        Files.writeString(binfmt.resolve("qemu-s390x"), "enabled\ninterpreter /usr/libexec/qemu-binfmt/s390x-binfmt-P\n");
        PlatformIdentity identity = new PlatformIdentity("s390x", true, SELF, binfmt);
        assertThat(identity.emulated()).isTrue();
        assertThat(identity.platform()).isEqualTo(Platform.LINUX_S390X);
    }
}
