package dev.archipelago.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A local git repository for tests: write files, commit, and hand out its {@code file://} URL
 * and commit ids. Commits use a fixed author and date so that ids are reproducible.
 */
public final class ScratchGitRepository implements AutoCloseable {

    private static final Duration GIT_TIMEOUT = Duration.ofSeconds(30);
    private static final Map<String, String> FIXED_IDENTITY = Map.of(
            "GIT_AUTHOR_NAME", "Archipelago Tests", "GIT_AUTHOR_EMAIL", "tests@archipelago.invalid",
            "GIT_COMMITTER_NAME", "Archipelago Tests", "GIT_COMMITTER_EMAIL", "tests@archipelago.invalid",
            "GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z");

    private final Path dir;

    private ScratchGitRepository(Path dir) {
        this.dir = dir;
    }

    /** An empty repository whose default branch is {@code main}. */
    public static ScratchGitRepository create() {
        Tools.git();
        try {
            // readable by every user, as a git server's repositories are to whoever may fetch them
            ScratchGitRepository fixture = new ScratchGitRepository(Files.createTempDirectory("archipelago-git",
                    PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwxr-xr-x"))));
            fixture.git("init", "-q", "-b", "main");
            fixture.git("config", "uploadpack.allowReachableSHA1InWant", "true");
            return fixture;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path directory() {
        return dir;
    }

    /** The URL a client clones from. */
    public String url() {
        return dir.toUri().toString().replaceFirst("^file:/(?!/)", "file:///");
    }

    public ScratchGitRepository write(String path, String content) {
        try {
            Path file = dir.resolve(path);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a file into the repository, keeping it executable. */
    public ScratchGitRepository copy(Path source, String path) {
        try {
            Path file = dir.resolve(path);
            Files.createDirectories(file.getParent());
            Files.copy(source, file, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates a symbolic link {@code path -> target}, where target may point anywhere (tests of escapes). */
    public ScratchGitRepository symlink(String path, String target) {
        try {
            Path link = dir.resolve(path);
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, Path.of(target));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Commits everything and returns the new commit id (40 hex). */
    public String commit(String message) {
        git("add", "-A");
        git("commit", "-q", "--allow-empty", "-m", message);
        return head();
    }

    public String head() {
        return git("rev-parse", "HEAD").strip();
    }

    public String branch(String name) {
        git("branch", "-f", name);
        return name;
    }

    private String git(String... args) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        return Processes.run(GIT_TIMEOUT, dir, FIXED_IDENTITY, command).orThrow().stdout();
    }

    @Override
    public void close() {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // leftovers in the temp folder are harmless
        }
    }
}
