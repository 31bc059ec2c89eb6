package dev.archipelago.dispatcher.service;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.archipelago.dispatcher.config.DispatcherConfig;
import dev.archipelago.model.BuildContexts;
import dev.archipelago.model.ImageReference;
import dev.archipelago.model.Platform;
import dev.archipelago.model.TagTemplate;
import dev.archipelago.model.events.BuildRequest;

/**
 * Checks a {@link BuildRequest} from the API or the submit topic and normalises it. Every refusal
 * says what to fix; nothing is stored or published for a refused request.
 */
@ApplicationScoped
public class BuildRequestValidator {

    public static final int MIN_TIMEOUT_SECONDS = 60;
    public static final int MAX_TIMEOUT_SECONDS = 86_400;
    static final int MAX_ENTRIES = 100;
    static final int MAX_INDEX_TAGS = 32;
    static final int MAX_VALUE_LENGTH = 4096;
    static final int MAX_URL_LENGTH = 2048;

    private static final Pattern BUILD_ARG_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");
    private static final Pattern SCP_LIKE = Pattern.compile("[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/\\\\].*");
    private static final Pattern REF = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");
    private static final Pattern GITHUB_REPOSITORY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*/(?!\\.{1,2}$)[A-Za-z0-9_.-]+");
    private static final Pattern GITLAB_PROJECT = Pattern
            .compile("[0-9]+|[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)+");
    private static final Set<String> SCHEMES = Set.of("https", "ssh", "git");

    private final DispatcherConfig config;

    public BuildRequestValidator(DispatcherConfig config) {
        this.config = config;
    }

    /**
     * Whether a project is a GitLab path ({@code group/project} or a numeric id) or a GitHub full name ({@code owner/repo}).
     */
    public static boolean isProject(String provider, String project) {
        return project != null && ("github".equals(provider) ? GITHUB_REPOSITORY : GITLAB_PROJECT).matcher(project).matches();
    }

    public ValidatedRequest validate(BuildRequest request) {
        List<String> problems = new ArrayList<>();
        BuildRequest.Source source = request.source();
        BuildRequest.Image image = request.image();

        String gitUrl = source.git();
        String ref = null;
        ImageReference bundle = null;
        if (source.bundle() != null) {
            try {
                bundle = BuildContexts.parseReference(source.bundle());
            } catch (IllegalArgumentException e) {
                problems.add("source.bundle: " + Secrets.mask(abbreviate(e.getMessage())));
            }
        } else {
            check(problems, () -> checkGitUrl(gitUrl));
            if (source.ref() != null && source.ref().isBlank()) {
                problems.add("source.ref is blank; leave it out to build the remote's default branch");
            }
            ref = source.ref() == null || source.ref().isBlank() ? "HEAD" : source.ref();
            if (ref.length() > 255 || !REF.matcher(ref).matches() || ref.contains("..") || ref.endsWith(".lock")) {
                problems.add("source.ref '" + abbreviate(ref) + "' is not a valid git ref name");
            }
        }
        String contextDir = normalisedPath("source.contextDir", source.contextDir(), ".", problems);
        String dockerfile = normalisedPath("source.dockerfile", source.dockerfile(), "Dockerfile", problems);

        ImageReference repository = null;
        try {
            repository = ImageReference.parseRepository(image.repository());
        } catch (IllegalArgumentException e) {
            problems.add("image.repository: " + e.getMessage());
        }

        List<Platform> platforms = platforms(request.platforms(), problems);

        TagTemplate.Plan tags = null;
        if (image.archTagTemplate() != null && image.archTagTemplate().isBlank()) {
            problems.add("image.archTagTemplate is blank; leave it out for {tag}-{arch}");
        }
        if (image.indexTags() != null && image.indexTags().size() > MAX_INDEX_TAGS) {
            problems.add("image.indexTags has " + image.indexTags().size() + " tags; the limit is " + MAX_INDEX_TAGS);
        } else if (!platforms.isEmpty()) {
            try {
                tags = TagTemplate.plan(image.tag(), image.archTagTemplate(), image.archTags(), image.indexTags(), platforms);
            } catch (IllegalArgumentException e) {
                problems.add("image: " + e.getMessage());
            }
        }

        Map<String, String> buildArgs = entries("buildArgs", request.buildArgs(), BUILD_ARG_NAME,
                "must match [A-Za-z_][A-Za-z0-9_]*", problems);
        Map<String, String> labels = entries("labels", request.labels(), LABEL_KEY,
                "must be letters, digits, '.', '_', '/' or '-'", problems);
        labels.keySet().stream().filter(k -> k.startsWith("dev.archipelago.")).findFirst()
                .ifPresent(
                        k -> problems.add("labels: '" + k + "' is reserved; Archipelago sets dev.archipelago.* labels itself"));

        int timeout = request.effectiveTimeoutSeconds();
        if (timeout < MIN_TIMEOUT_SECONDS || timeout > MAX_TIMEOUT_SECONDS) {
            problems.add("timeoutSeconds " + timeout + " is out of range; use " + MIN_TIMEOUT_SECONDS + " to "
                    + MAX_TIMEOUT_SECONDS);
        }

        checkCommitStatus(request.commitStatus(), problems);

        if (!problems.isEmpty()) {
            throw ApiProblem.badRequest(String.join("; ", problems));
        }
        return new ValidatedRequest(gitUrl, ref, bundle, contextDir, dockerfile, repository, image.tag(), tags, platforms,
                buildArgs, labels, request.emulationAllowed(), request.partialAllowed(), timeout, request.commitStatus(),
                image.supplyChain(), request.rebuildRequested());
    }

    private void checkCommitStatus(BuildRequest.CommitStatus status, List<String> problems) {
        if (status == null) {
            return;
        }
        DispatcherConfig.StatusTarget target = config.commitStatus().targets().get(status.target());
        if (target == null) {
            problems.add("commitStatus.target '" + abbreviate(status.target()) + "' is not configured on this dispatcher; "
                    + (config.commitStatus().targets().isEmpty() ? "it has no status targets"
                            : "use one of " + new TreeSet<>(config.commitStatus().targets().keySet())));
            return;
        }
        boolean github = target.provider() == DispatcherConfig.CommitStatusProvider.GITHUB;
        Pattern form = github ? GITHUB_REPOSITORY : GITLAB_PROJECT;
        if (status.project().length() > 255 || !form.matcher(status.project()).matches()) {
            problems.add("commitStatus.project '" + abbreviate(status.project()) + "' is not a "
                    + (github ? "GitHub repository (owner/repo)" : "GitLab project (a numeric id or group/project)"));
        }
    }

    private void checkGitUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("source.git is required");
        }
        if (url.length() > MAX_URL_LENGTH) {
            throw new IllegalArgumentException("source.git is longer than " + MAX_URL_LENGTH + " characters");
        }
        if (hasControl(url) || url.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("source.git must not contain blanks or control characters");
        }
        if (url.startsWith("-")) {
            throw new IllegalArgumentException("source.git must not start with '-'");
        }
        if (SCP_LIKE.matcher(url).matches()) {
            return; // user@host:path, git's short form of ssh
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "source.git '" + Secrets.mask(abbreviate(url)) + "' is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            if (!config.allowFileUrls()) {
                throw new IllegalArgumentException(
                        "source.git: file:// URLs are disabled on this dispatcher; use https, ssh or git");
            }
            return;
        }
        if (!SCHEMES.contains(scheme)) {
            throw new IllegalArgumentException("source.git scheme '" + scheme + "' is not allowed; use https, ssh or git");
        }
        if (uri.getRawUserInfo() != null && (scheme.equals("https") || uri.getRawUserInfo().contains(":"))) {
            // credentials in the URL would travel on Kafka, into the database and into image annotations
            throw new IllegalArgumentException("source.git must not carry credentials ('" + Secrets.mask(abbreviate(url))
                    + "'); give the workers and the dispatcher a git credential store or netrc for the host instead");
        }
        if (uri.getHost() == null || uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/")) {
            throw new IllegalArgumentException(
                    "source.git '" + Secrets.mask(abbreviate(url)) + "' needs a host and a repository path");
        }
    }

    private static String normalisedPath(String field, String value, String fallback, List<String> problems) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        if (value.length() > 1024 || hasControl(value) || value.contains("\\")) {
            problems.add(field + " must be a plain relative path (no control characters or backslashes)");
            return fallback;
        }
        if (value.startsWith("/")) {
            problems.add(field + " '" + abbreviate(value) + "' is absolute; give a path relative to the repository root");
            return fallback;
        }
        List<String> parts = new ArrayList<>();
        for (String part : value.split("/")) {
            if (part.equals("..")) {
                problems.add(field + " '" + abbreviate(value) + "' contains '..'; it must stay inside the repository");
                return fallback;
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return parts.isEmpty() ? "." : String.join("/", parts);
    }

    private static List<Platform> platforms(List<String> names, List<String> problems) {
        if (names == null || names.isEmpty()) {
            problems.add("platforms is empty; name at least one, for example [\"linux/amd64\", \"linux/ppc64le\"]");
            return List.of();
        }
        Set<Platform> seen = new LinkedHashSet<>();
        for (String name : names) {
            try {
                Platform platform = Platform.parse(name);
                if (!seen.add(platform)) {
                    problems.add("platforms lists " + platform + " twice ('" + name + "')");
                }
            } catch (IllegalArgumentException e) {
                problems.add("platforms: " + e.getMessage());
            }
        }
        return seen.stream().sorted().toList();
    }

    private static Map<String, String> entries(String field, Map<String, String> values, Pattern keyPattern, String keyRule,
            List<String> problems) {
        Map<String, String> result = new TreeMap<>();
        if (values == null) {
            return result;
        }
        if (values.size() > MAX_ENTRIES) {
            problems.add(field + " has " + values.size() + " entries; the limit is " + MAX_ENTRIES);
            return result;
        }
        for (Map.Entry<String, String> entry : values.entrySet()) {
            String key = entry.getKey();
            String value = entry.getValue();
            if (key.length() > 128 || !keyPattern.matcher(key).matches()) {
                problems.add(field + " name '" + abbreviate(key) + "' " + keyRule);
            } else if (value == null) {
                problems.add(field + "." + key + " has no value");
            } else if (value.length() > MAX_VALUE_LENGTH || hasControl(value)) {
                problems.add(
                        field + "." + key + " must be at most " + MAX_VALUE_LENGTH + " characters without control characters");
            } else {
                result.put(key, value);
            }
        }
        return result;
    }

    private static boolean hasControl(String text) {
        return text.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && c < 0xa0)
                || c == 0x2028 || c == 0x2029);
    }

    private static void check(List<String> problems, Runnable check) {
        try {
            check.run();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
    }

    static String abbreviate(String value) {
        return value.length() <= 60 ? value : value.substring(0, 57) + "...";
    }
}
