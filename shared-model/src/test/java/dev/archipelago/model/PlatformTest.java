package dev.archipelago.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlatformTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            linux/amd64     | linux/amd64    | amd64
            amd64           | linux/amd64    | amd64
            x86             | linux/amd64    | amd64
            x86_64          | linux/amd64    | amd64
            X86_64          | linux/amd64    | amd64
            linux/x86_64    | linux/amd64    | amd64
            ' amd64 '       | linux/amd64    | amd64
            aarch64         | linux/arm64    | arm64
            arm64           | linux/arm64    | arm64
            linux/arm64/v8  | linux/arm64    | arm64
            ppc64le         | linux/ppc64le  | ppc64le
            ppc64el         | linux/ppc64le  | ppc64le
            linux/ppc64le   | linux/ppc64le  | ppc64le
            linux/ppc64el   | linux/ppc64le  | ppc64le
            s390x           | linux/s390x    | s390x
            linux/s390x     | linux/s390x    | s390x
            linux/arm/v7    | linux/arm/v7   | arm-v7
            arm/v7          | linux/arm/v7   | arm-v7
            armhf           | linux/arm/v7   | arm-v7
            armv7l          | linux/arm/v7   | arm-v7
            """)
    void parsesOciNamesAndAliases(String input, String ociName, String tagSafe) {
        Platform platform = Platform.parse(input);
        assertThat(platform.ociName()).isEqualTo(ociName);
        assertThat(platform.tagSafeName()).isEqualTo(tagSafe);
        assertThat(platform.toString()).isEqualTo(ociName);
    }

    @Test
    void refusesUnknownPlatformsListingWhatIsAccepted() {
        assertThatThrownBy(() -> Platform.parse("windows/amd64"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown platform 'windows/amd64'")
                .hasMessageContaining("linux/amd64").hasMessageContaining("ppc64el").hasMessageContaining("x86_64");
        assertThatThrownBy(() -> Platform.parse("mips")).hasMessageContaining("accepted:");
        assertThatThrownBy(() -> Platform.parse(" ")).hasMessageContaining("platform is empty");
    }

    @ParameterizedTest(name = "os.arch {0} -> {1}")
    @CsvSource({ "amd64,linux/amd64", "x86_64,linux/amd64", "aarch64,linux/arm64", "ppc64le,linux/ppc64le",
            "s390x,linux/s390x", "arm,linux/arm/v7" })
    void mapsTheJvmArchitecture(String osArch, String expected) {
        assertThat(Platform.fromJvmArch(osArch).ociName()).isEqualTo(expected);
    }

    @Test
    void refusesAJvmArchitectureItCannotBuildFor() {
        assertThatThrownBy(() -> Platform.fromJvmArch("sparcv9")).hasMessageContaining("os.arch 'sparcv9'");
    }

    @Test
    void knowsTheHardwareFactsOfEachPlatform() {
        assertThat(Platform.LINUX_AMD64.elfMachine()).isEqualTo(62);
        assertThat(Platform.LINUX_PPC64LE.elfMachine()).isEqualTo(21);
        assertThat(Platform.LINUX_PPC64LE.littleEndian()).isTrue();
        assertThat(Platform.LINUX_S390X.littleEndian()).isFalse();
        assertThat(Platform.LINUX_ARM_V7.elf64()).isFalse();
        assertThat(Platform.LINUX_PPC64LE.qemuBinfmtName()).isEqualTo("qemu-ppc64le");
        assertThat(Platform.fromUnameMachine("x86_64")).isEqualTo(Platform.LINUX_AMD64);
        assertThat(Platform.fromUnameMachine("ppc64le")).isEqualTo(Platform.LINUX_PPC64LE);
    }

    @Test
    void sortsByOciName() {
        assertThat(List.of(Platform.LINUX_PPC64LE, Platform.LINUX_AMD64, Platform.LINUX_ARM_V7).stream().sorted())
                .containsExactly(Platform.LINUX_AMD64, Platform.LINUX_ARM_V7, Platform.LINUX_PPC64LE);
    }
}
