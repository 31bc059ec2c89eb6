package dev.archipelago.cli.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContextPackerTest {

    @TempDir
    Path directory;
    @TempDir
    Path out;

    @Test
    void theSameDirectoryGivesTheSameBytesWhateverItsTimesAndTheIgnoredSecretNeverLeaves() throws Exception {
        app(directory);
        ContextPacker.Packed first = ContextPacker.withWorkerLimits().pack(directory, "Dockerfile", out.resolve("a.tar.gz"));
        Files.setLastModifiedTime(directory.resolve("src/app.sh"), FileTime.from(Instant.parse("2001-02-03T04:05:06Z")));
        ContextPacker.Packed second = ContextPacker.withWorkerLimits().pack(directory, "Dockerfile", out.resolve("b.tar.gz"));

        assertThat(second.digest()).isEqualTo(first.digest());
        assertThat(Files.readAllBytes(second.archive())).isEqualTo(Files.readAllBytes(first.archive()));
        assertThat(first.ignoreFile()).isEqualTo(".dockerignore");
        Map<String, TarArchiveEntry> entries = entries(first.archive());
        assertThat(entries.keySet()).containsExactly(".dockerignore", "Dockerfile", "src/", "src/app.sh", "src/link");
        assertThat(new String(Files.readAllBytes(first.archive()), StandardCharsets.ISO_8859_1)).doesNotContain("MARKER");
        assertThat(entries.values()).allSatisfy(e -> {
            assertThat(e.getModTime().getTime()).isZero();
            assertThat(e.getLongUserId()).isZero();
            assertThat(e.getLongGroupId()).isZero();
        });
        assertThat(entries.get("src/app.sh").getMode() & 07777).isEqualTo(0755);
        assertThat(entries.get("Dockerfile").getMode() & 07777).isEqualTo(0644);
        assertThat(entries.get("src/link").getLinkName()).isEqualTo("app.sh");

        Files.writeString(directory.resolve("src/app.sh"), "#!/bin/sh\necho changed\n");
        assertThat(ContextPacker.withWorkerLimits().pack(directory, "Dockerfile", out.resolve("c.tar.gz")).digest())
                .as("a changed file changes the digest").isNotEqualTo(first.digest());
    }

    @Test
    void aContainerignoreWinsOverADockerignoreAndTheDockerfileIsAlwaysIn() throws Exception {
        app(directory);
        Files.writeString(directory.resolve(".containerignore"), "Dockerfile\nsrc/link\n");
        Map<String, TarArchiveEntry> entries = entries(ContextPacker.withWorkerLimits()
                .pack(directory, "Dockerfile", out.resolve("a.tar.gz")).archive());
        assertThat(entries).containsKeys("Dockerfile", "token.secret").doesNotContainKey("src/link");
    }

    @Test
    void aLinkThatLeavesTheDirectoryIsRefusedNamingIt() throws Exception {
        app(directory);
        Files.createSymbolicLink(directory.resolve("etc"), Path.of("/etc"));
        assertThatThrownBy(() -> ContextPacker.withWorkerLimits().pack(directory, "Dockerfile", out.resolve("a.tar.gz")))
                .isInstanceOf(ContextPacker.Refused.class)
                .hasMessageContaining("'etc' points at '/etc', outside the directory");
        Files.delete(directory.resolve("etc"));
        Files.createSymbolicLink(directory.resolve("up"), Path.of("../.."));
        assertThatThrownBy(() -> ContextPacker.withWorkerLimits().pack(directory, "Dockerfile", out.resolve("b.tar.gz")))
                .hasMessageContaining("'up' points at '../..'");
    }

    @Test
    void aFifoIsRefusedAndCanBeLeftOut() throws Exception {
        app(directory);
        Process mkfifo = new ProcessBuilder("mkfifo", directory.resolve("pipe").toString()).start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> ContextPacker.withWorkerLimits().pack(directory, "Dockerfile", out.resolve("a.tar.gz")))
                .hasMessageContaining("'pipe' is a device, a FIFO or a socket");
        Files.writeString(directory.resolve(".dockerignore"), "*.secret\npipe\n");
        assertThat(entries(ContextPacker.withWorkerLimits().pack(directory, "Dockerfile", out.resolve("b.tar.gz")).archive()))
                .doesNotContainKey("pipe");
    }

    @Test
    void aContextOverTheLimitsIsRefusedBeforeAnythingIsRead() throws Exception {
        app(directory);
        assertThatThrownBy(() -> new ContextPacker(10, 1000).pack(directory, "Dockerfile", out.resolve("a.tar.gz")))
                .hasMessageContaining("more than 10 bytes").hasMessageContaining(".dockerignore");
        assertThatThrownBy(() -> new ContextPacker(1_000_000, 3).pack(directory, "Dockerfile", out.resolve("b.tar.gz")))
                .hasMessageContaining("more than 3 files and folders");
    }

    static void app(Path directory) throws IOException {
        Files.writeString(directory.resolve("Dockerfile"), "FROM scratch\nCOPY src /src\n");
        Files.writeString(directory.resolve(".dockerignore"), "*.secret\n");
        Files.writeString(directory.resolve("token.secret"), "MARKER-never-leaves\n");
        Files.createDirectories(directory.resolve("src"));
        Path script = directory.resolve("src/app.sh");
        Files.writeString(script, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        Files.createSymbolicLink(directory.resolve("src/link"), Path.of("app.sh"));
    }

    static Map<String, TarArchiveEntry> entries(Path archive) throws IOException {
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(archive)))) {
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null;) {
                entries.put(entry.getName(), entry);
            }
        }
        return entries;
    }

    static List<String> names(Path archive) throws IOException {
        return new ArrayList<>(entries(archive).keySet());
    }
}
