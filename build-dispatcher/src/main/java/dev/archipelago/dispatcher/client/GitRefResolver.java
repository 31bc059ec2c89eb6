package dev.archipelago.dispatcher.client;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.archipelago.dispatcher.config.DispatcherConfig;
import dev.archipelago.dispatcher.service.ApiProblem;
import dev.archipelago.dispatcher.service.Secrets;

/**
 * Pins a ref to a commit the way {@code git ls-remote} sees it, by running the git CLI with an
 * argument list (git's own credential helpers and netrc apply). Branches win over tags, as in git.
 */
@ApplicationScoped
public class GitRefResolver {

    private static final Pattern FULL_COMMIT = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

    private final DispatcherConfig config;

    public GitRefResolver(DispatcherConfig config) {
        this.config = config;
    }

    /**
     * @return the commit id the ref points at
     * @throws ApiProblem 422 with git's message, credentials masked, when it does not resolve
     * @throws SourceUnreachable when the git host does not answer within the git timeout
     */
    public String resolve(String url, String ref) {
        if (FULL_COMMIT.matcher(ref).matches()) {
            return ref;
        }
        List<String> command = List.of("git", "-c", "protocol.file.allow=" + (config.allowFileUrls() ? "always" : "never"),
                "ls-remote", "--", url, ref, "refs/heads/" + ref, "refs/tags/" + ref, "refs/tags/" + ref + "^{}");
        if (ref.equals("HEAD")) {
            command = List.of("git", "-c", "protocol.file.allow=" + (config.allowFileUrls() ? "always" : "never"),
                    "ls-remote", "--", url, "HEAD");
        }
        Map<String, String> refs = run(command, url, ref);
        for (String candidate : List.of("refs/heads/" + ref, "refs/tags/" + ref + "^{}", "refs/tags/" + ref, ref)) {
            if (refs.containsKey(candidate)) {
                return refs.get(candidate);
            }
        }
        throw unresolved(url, ref, "no branch or tag named '" + ref + "'");
    }

    private Map<String, String> run(List<String> command, String url, String ref) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("ls-remote", ".out");
            err = Files.createTempFile("ls-remote", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().put("GIT_TERMINAL_PROMPT", "0");
            builder.environment().put("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new");
            Process process = builder.start();
            if (!process.waitFor(config.gitTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new SourceUnreachable(Secrets.mask("git ls-remote of " + url + " did not answer within "
                        + config.gitTimeout().toSeconds() + " s; try again when the git host answers"));
            }
            if (process.exitValue() != 0) {
                throw unresolved(url, ref, Files.readString(err, StandardCharsets.UTF_8).strip());
            }
            Map<String, String> refs = new LinkedHashMap<>();
            for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                String[] parts = line.split("\t", 2);
                if (parts.length == 2) {
                    refs.putIfAbsent(parts[1].strip(), parts[0].strip());
                }
            }
            return refs;
        } catch (IOException e) {
            throw unresolved(url, ref, "cannot run git: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unresolved(url, ref, "interrupted");
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            path.toFile().delete();
        }
    }

    /**
     * The git host did not answer in time: a 503 for the API, and on the submit topic a transient
     * failure that the consumer waits out (the record is not dead-lettered for it).
     */
    public static final class SourceUnreachable extends ApiProblem {
        SourceUnreachable(String detail) {
            super(503, "Source unreachable", detail);
        }

        @Override
        public boolean isTransient() {
            return true;
        }
    }

    private static ApiProblem unresolved(String url, String ref, String reason) {
        String lastLines = reason.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse(reason);
        return new ApiProblem(422, "Source ref does not resolve",
                Secrets.mask("source.ref '" + ref + "' of " + url + " does not resolve to a commit: " + lastLines));
    }
}
