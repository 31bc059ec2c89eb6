package dev.archipelago.worker.source;

import static dev.archipelago.worker.source.HostileContexts.archive;
import static dev.archipelago.worker.source.HostileContexts.file;
import static dev.archipelago.worker.source.HostileContexts.special;
import static dev.archipelago.worker.source.HostileContexts.zeros;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.worker.job.BuildFailure;

/** Hostile build contexts: each is refused with CONTEXT_REFUSED naming the entry, and nothing lands outside the folder. */
class ContextArchiveTest {

    private static final long LIMIT = 8L * 1024 * 1024;

    @TempDir
    Path work;

    @Test
    void aWellFormedContextUnpacksWithFixedModes() throws Exception {
        Path archive = archive(work.resolve("ok.tar.gz"), tar -> {
            special(tar, "src/", TarConstants.LF_DIR, null);
            file(tar, "src/app.sh", "#!/bin/sh\n");
            special(tar, "src/again", TarConstants.LF_SYMLINK, "app.sh");
            special(tar, "hard", TarConstants.LF_LINK, "src/app.sh");
            file(tar, "Dockerfile", "FROM scratch\n");
        });
        ContextArchive.Unpacked unpacked = ContextArchive.unpack(archive, work.resolve("ctx"), LIMIT, 100);
        assertThat(unpacked.entries()).isEqualTo(5);
        assertThat(Files.readString(work.resolve("ctx/src/again"))).isEqualTo("#!/bin/sh\n");
        assertThat(Files.readString(work.resolve("ctx/hard"))).isEqualTo("#!/bin/sh\n");
    }

    @Test
    void aPathThatClimbsOutIsRefused() throws Exception {
        assertRefused(tar -> file(tar, "../escaped", "pwned"), "'../escaped' climbs out with '..'");
        assertRefused(tar -> file(tar, "a/../../escaped", "pwned"), "climbs out with '..'");
    }

    @Test
    void anAbsolutePathIsRefused() throws Exception {
        assertRefused(tar -> file(tar, work.resolve("escaped").toString(), "pwned"), "is an absolute path");
    }

    @Test
    void aLinkThatLeavesTheContextIsRefused() throws Exception {
        assertRefused(tar -> special(tar, "etc", TarConstants.LF_SYMLINK, "/etc"),
                "link 'etc' points at '/etc', an absolute path");
        assertRefused(tar -> special(tar, "up", TarConstants.LF_SYMLINK, "../.."),
                "link 'up' points at '../..', outside the context");
    }

    @Test
    void aChainOfLinksThatClimbsOutIsRefused() throws Exception {
        // d/l2 -> .. is the context itself, but e -> d/l2/.. climbs one above it through the first link
        assertRefused(tar -> {
            special(tar, "d/", TarConstants.LF_DIR, null);
            special(tar, "d/l2", TarConstants.LF_SYMLINK, "..");
            special(tar, "e", TarConstants.LF_SYMLINK, "d/l2/..");
        }, "link 'e' leads outside the context");
    }

    @Test
    void nothingIsWrittenThroughALink() throws Exception {
        assertRefused(tar -> {
            special(tar, "to", TarConstants.LF_SYMLINK, "sub");
            special(tar, "sub/", TarConstants.LF_DIR, null);
            file(tar, "to/file", "through the link");
        }, "'to/file' would be written through the link 'to'");
    }

    @Test
    void aHardLinkToSomethingOutsideIsRefused() throws Exception {
        assertRefused(tar -> special(tar, "passwd", TarConstants.LF_LINK, "/etc/passwd"), "'/etc/passwd' is an absolute path");
        assertRefused(tar -> special(tar, "passwd", TarConstants.LF_LINK, "../../etc/passwd"), "climbs out with '..'");
        assertRefused(tar -> special(tar, "nothing", TarConstants.LF_LINK, "missing"), "not a file unpacked before it");
    }

    @Test
    void devicesAndFifosAreRefused() throws Exception {
        assertRefused(tar -> special(tar, "null", TarConstants.LF_CHR, null), "'null' is a character device");
        assertRefused(tar -> special(tar, "disk", TarConstants.LF_BLK, null), "'disk' is a block device");
        assertRefused(tar -> special(tar, "pipe", TarConstants.LF_FIFO, null), "'pipe' is a FIFO");
    }

    @Test
    void aTarBombIsRefusedAtTheLimit() throws Exception {
        assertRefused(tar -> {
            for (int i = 0; i < 150; i++) {
                file(tar, "f" + i, "x");
            }
        }, "more than 100 entries");
        // 64 MiB of zeros compress to 64 KiB: refused once 8 MiB are unpacked, not after
        assertRefused(tar -> zeros(tar, "zeros", 64L * 1024 * 1024), "more than " + LIMIT + " bytes");
    }

    @Test
    void somethingThatIsNotAGzipTarIsRefused() throws Exception {
        Path junk = work.resolve("junk.tar.gz");
        Files.writeString(junk, "not an archive at all", StandardCharsets.UTF_8);
        BuildFailure failure = catchThrowableOfType(BuildFailure.class,
                () -> ContextArchive.unpack(junk, work.resolve("ctx"), LIMIT, 100));
        assertThat(failure.code).isEqualTo(BuildErrorCode.CONTEXT_REFUSED);
        assertThat(failure.getMessage()).contains("not a gzip-compressed tar");
    }

    private void assertRefused(HostileContexts.Entries entries, String why) throws Exception {
        Path case_ = Files.createTempDirectory(work, "case");
        Path archive = archive(case_.resolve("bad.tar.gz"), entries);
        Path into = case_.resolve("ctx");
        BuildFailure failure = catchThrowableOfType(BuildFailure.class, () -> ContextArchive.unpack(archive, into, LIMIT, 100));
        assertThat(failure).as("refused: " + why).isNotNull();
        assertThat(failure.code).isEqualTo(BuildErrorCode.CONTEXT_REFUSED);
        assertThat(failure.getMessage()).startsWith("the build context was refused: ").contains(why);
        assertThat(work.resolve("escaped")).as("nothing outside the folder").doesNotExist();
        try (Stream<Path> around = Files.list(case_)) {
            assertThat(around.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("bad.tar.gz", "ctx");
        }
    }
}
