package dev.archipelago.worker.reuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.archipelago.infra.FreePorts;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.ImageFormat;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.ImageTarget;
import dev.archipelago.model.events.PinnedSource;
import dev.archipelago.model.events.Schema;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryCredentials;
import dev.archipelago.worker.job.JobProcess;
import dev.archipelago.worker.source.SourceFetcher;

/**
 * What moves a build key and what does not, on a real git checkout: the context folder's content,
 * the Dockerfile, the build arguments and the platform move it, a file outside the context does
 * not; a base in a registry that does not answer gives no key, and the build log says why.
 */
class BuildKeysTest {

    private static final String UNREACHABLE = "127.0.0.1:" + FreePorts.next();

    private ScratchGitRepository git;
    private Path log;
    private final BuildKeys keys = new BuildKeys("git",
            new RegistryClient(RegistryCredentials.none(), Set.of(UNREACHABLE), Duration.ofSeconds(1), Duration.ofSeconds(2),
                    1),
            ImageFormat.OCI);

    @BeforeEach
    void repository() throws Exception {
        git = ScratchGitRepository.create();
        git.write("README.md", "outside the context\n").write("app/hello.sh", "echo hello\n")
                .write("app/Dockerfile", "FROM scratch\nCOPY hello.sh /hello.sh\n").commit("app");
        log = Files.createTempFile("build-key", ".log");
    }

    @AfterEach
    void remove() throws Exception {
        git.close();
        Files.deleteIfExists(log);
    }

    @Test
    void theContextTheDockerfileTheArgumentsAndThePlatformMoveTheKeyAFileOutsideTheContextDoesNot() throws Exception {
        BuildKey first = key(Platform.LINUX_AMD64, Map.of()).orElseThrow();
        assertThat(key(Platform.LINUX_AMD64, Map.of())).contains(first);

        git.write("README.md", "changed, outside the context\n").commit("docs");
        assertThat(key(Platform.LINUX_AMD64, Map.of())).as("a commit outside the context").contains(first);

        assertThat(key(Platform.LINUX_PPC64LE, Map.of())).isPresent().get().isNotEqualTo(first);
        assertThat(key(Platform.LINUX_AMD64, Map.of("VERSION", "2"))).isPresent().get().isNotEqualTo(first);

        git.write("app/hello.sh", "echo changed\n").commit("context");
        BuildKey changedContext = key(Platform.LINUX_AMD64, Map.of()).orElseThrow();
        assertThat(changedContext).isNotEqualTo(first);

        git.write("app/Dockerfile", "FROM scratch\nCOPY hello.sh /bin/hello.sh\n").commit("dockerfile");
        assertThat(key(Platform.LINUX_AMD64, Map.of())).isPresent().get().isNotEqualTo(changedContext);
        assertThat(first.tag()).isEqualTo("archipelago-key-" + first.hex()).hasSizeLessThanOrEqualTo(128);
    }

    @Test
    void aBaseInARegistryThatDoesNotAnswerGivesNoKeyAndTheLogSaysWhy() throws Exception {
        git.write("app/Dockerfile", "FROM " + UNREACHABLE + "/base/busybox:stable\nCOPY hello.sh /hello.sh\n").commit("base");

        assertThat(key(Platform.LINUX_AMD64, Map.of())).isEmpty();
        assertThat(Files.readString(log)).contains("build key: cannot resolve " + UNREACHABLE + "/base/busybox:stable")
                .contains("building");
    }

    private Optional<BuildKey> key(Platform platform, Map<String, String> buildArgs) throws Exception {
        Path root = git.directory().toRealPath();
        SourceFetcher.Checkout checkout = new SourceFetcher.Checkout(root, root.resolve("app"),
                root.resolve("app/Dockerfile"));
        ArchBuildRequest request = new ArchBuildRequest(Schema.CURRENT, "b1", 1, platform,
                List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE),
                PinnedSource.ofCommit(git.url(), "main", git.head(), "app", "Dockerfile"),
                new ImageTarget("127.0.0.1:5000/app", "v1", "v1-" + platform.tagSafeName(), List.of("v1"), null), buildArgs,
                Map.of("team", "platform"), 600, false, Instant.now(), null);
        return keys.of(request, checkout, new JobProcess(log, Instant.now().plusSeconds(60)));
    }
}
