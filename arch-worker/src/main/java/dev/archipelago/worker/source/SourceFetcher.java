package dev.archipelago.worker.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.model.events.PinnedSource;
import dev.archipelago.worker.job.BuildFailure;
import dev.archipelago.worker.job.JobProcess;

/**
 * Fetches the pinned source into the build's work folder: a git commit, shallow ({@code git fetch
 * --depth 1 origin <commit>}) where the server allows fetching a commit by id, else a full fetch;
 * or a build context the CLI pushed ({@link BundleFetcher}). Then checks that the context folder
 * and the Dockerfile resolve inside it, symbolic links followed.
 */
public final class SourceFetcher {

    private static final Map<String, String> GIT_ENV = Map.of("GIT_TERMINAL_PROMPT", "0",
            "GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new");

    /** Where the build reads from: the checkout, the context folder and the Dockerfile, all real paths inside it. */
    public record Checkout(Path root, Path context, Path dockerfile) {
    }

    private final String git;
    private final BundleFetcher bundles;

    public SourceFetcher(String git, BundleFetcher bundles) {
        this.git = git;
        this.bundles = bundles;
    }

    public Checkout fetch(PinnedSource source, Path into, JobProcess process)
            throws BuildFailure, JobProcess.Stopped, IOException {
        Files.createDirectories(into);
        if (source.fromBundle()) {
            bundles.fetch(source.bundle(), into, process);
            return resolve(into, source.contextDir(), source.dockerfile());
        }
        String allowFile = source.git().startsWith("file:") ? "always" : "never";
        run(process, into, List.of(git, "init", "-q"));
        run(process, into, List.of(git, "remote", "add", "origin", "--", source.git()));
        boolean shallow = process.run(List.of(git, "-c", "protocol.file.allow=" + allowFile, "fetch", "-q", "--depth", "1",
                "origin", source.commit()), into, GIT_ENV) == 0;
        if (!shallow) {
            if (process.run(List.of(git, "-c", "protocol.file.allow=" + allowFile, "fetch", "-q", "origin"), into,
                    GIT_ENV) != 0) {
                throw new BuildFailure(BuildErrorCode.SOURCE_FETCH_FAILED, "cannot fetch " + source.git()
                        + ": git fetch failed (see the log); check the URL and the worker's git credentials");
            }
        }
        if (process.run(List.of(git, "-c", "advice.detachedHead=false", "checkout", "-q", source.commit()), into,
                GIT_ENV) != 0) {
            throw new BuildFailure(BuildErrorCode.SOURCE_FETCH_FAILED,
                    "commit " + source.commit() + " is not in " + source.git());
        }
        return resolve(into, source.contextDir(), source.dockerfile());
    }

    /** Resolves the context folder and Dockerfile, refusing anything that leads outside the checkout. */
    static Checkout resolve(Path checkout, String contextDir, String dockerfile) throws BuildFailure, IOException {
        Path root = checkout.toRealPath();
        Path context = inside(root, root.resolve(contextDir).normalize(), "contextDir '" + contextDir + "'");
        if (!Files.isDirectory(context)) {
            throw new BuildFailure(BuildErrorCode.DOCKERFILE_NOT_FOUND,
                    "contextDir '" + contextDir + "' is not a folder of the repository");
        }
        Path file = context.resolve(dockerfile).normalize();
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.exists(root.resolve(dockerfile).normalize())) {
            throw new BuildFailure(BuildErrorCode.DOCKERFILE_NOT_FOUND, "no Dockerfile at '" + dockerfile + "' in contextDir '"
                    + contextDir + "' of the commit");
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            file = root.resolve(dockerfile).normalize();
        }
        Path real = inside(root, file, "dockerfile '" + dockerfile + "'");
        if (!Files.isRegularFile(real)) {
            throw new BuildFailure(BuildErrorCode.DOCKERFILE_NOT_FOUND, "'" + dockerfile + "' is not a file");
        }
        return new Checkout(root, context, real);
    }

    private static Path inside(Path root, Path path, String what) throws BuildFailure, IOException {
        if (!path.startsWith(root)) {
            throw new BuildFailure(BuildErrorCode.PATH_ESCAPE, what + " leads outside the repository");
        }
        if (!Files.exists(path)) {
            return path;
        }
        Path real = path.toRealPath();
        if (!real.startsWith(root)) {
            throw new BuildFailure(BuildErrorCode.PATH_ESCAPE, what + " is a symbolic link that leads outside the repository");
        }
        return real;
    }

    private static void run(JobProcess process, Path dir, List<String> command)
            throws BuildFailure, JobProcess.Stopped, IOException {
        if (process.run(command, dir, GIT_ENV) != 0) {
            throw new BuildFailure(BuildErrorCode.SOURCE_FETCH_FAILED, "git " + command.get(1) + " failed (see the log)");
        }
    }
}
