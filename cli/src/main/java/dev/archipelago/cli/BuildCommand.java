package dev.archipelago.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.archipelago.cli.context.ContextPacker;
import dev.archipelago.cli.context.ContextPusher;
import dev.archipelago.cli.progress.Progress;
import dev.archipelago.model.ImageReference;
import dev.archipelago.model.Platform;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryCredentials;
import dev.archipelago.registry.RegistryException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code archipelago build}: a directory as it is on disk (uncommitted changes included), or a git
 * ref, built for every platform on the workers of that platform, verified, and pushed as one image
 * index. A directory travels through the registry: packed into a reproducible archive, pushed as
 * an OCI artifact with the user's own registry credentials, and named in the request by digest.
 */
@Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false, description = {
        "Builds a directory (or a git ref) for several platforms and pushes one image index.",
        "Exit codes: 0 the index was pushed, 3 refused (nothing submitted), 4 FAILED, 5 CANCELLED, 6 unreachable." })
final class BuildCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    CommonOptions common;

    @Option(names = { "-t", "--tag" }, required = true, paramLabel = "REGISTRY/REPO:TAG", description = "where the image goes")
    String tag;

    @Option(names = "--platform", split = ",", paramLabel = "PLATFORM", description = "platforms to build (default: ${DEFAULT-VALUE})", defaultValue = "linux/amd64,linux/ppc64le")
    List<String> platforms;

    @Option(names = { "-f",
            "--file" }, paramLabel = "PATH", description = "the Dockerfile (default: DIR/Dockerfile, else DIR/Containerfile)")
    Path file;

    @Option(names = "--build-arg", paramLabel = "KEY=VALUE", description = "a build argument (repeat for more)")
    List<String> buildArgs = new ArrayList<>();

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "a label on every image (repeat for more)")
    List<String> labels = new ArrayList<>();

    @Option(names = "--arch-tag", paramLabel = "PLATFORM=TAG", description = "the tag of one platform's image (default TAG-ARCH)")
    List<String> archTags = new ArrayList<>();

    @Option(names = "--index-tag", paramLabel = "TAG", description = "a tag of the index (default TAG; repeat for more)")
    List<String> indexTags = new ArrayList<>();

    @Option(names = "--allow-emulation", description = "let workers that emulate a platform build it (QEMU)")
    boolean allowEmulation;

    @Option(names = "--partial", description = "push an index of the platforms that succeeded even if others failed")
    boolean partial;

    @Option(names = "--rebuild", description = "build every platform, even one whose inputs match an image already pushed (which is otherwise reused)")
    boolean rebuild;

    @Option(names = "--no-provenance", description = "attach no SLSA provenance beside the images")
    boolean noProvenance;

    @Option(names = "--no-sbom", description = "attach no SBOM beside the platform images")
    boolean noSbom;

    @Option(names = "--no-sign", description = "do not sign the images and the index (the assembler signs when it has a key)")
    boolean noSign;

    @Option(names = "--attestations-best-effort", description = "an attachment that fails is a warning, not a FAILED build")
    boolean attestationsBestEffort;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m", description = "the build's timeout: 90s, 30m, 2h (default: ${DEFAULT-VALUE})")
    String timeout;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto", description = "auto, tty, plain or json (default: ${DEFAULT-VALUE})")
    String progressMode;

    @Option(names = "--detach", description = "print the build's id and leave it running")
    boolean detach;

    @Option(names = "--git", paramLabel = "URL", description = "build a git repository instead of a directory")
    String git;

    @Option(names = "--ref", paramLabel = "REF", description = "with --git: the branch, tag or commit (default: the remote's HEAD)")
    String ref;

    @Option(names = "--context-dir", paramLabel = "PATH", description = "with --git: the context folder in the repository")
    String contextDir;

    @Option(names = "--context-repository", paramLabel = "REGISTRY/REPO", description = "where the directory is pushed (default: the image's repository)")
    String contextRepository;

    @Option(names = "--insecure-registry", paramLabel = "HOST:PORT", description = "a registry spoken to over plain HTTP "
            + "(loopback ones always are; also ARCHIPELAGO_INSECURE_REGISTRIES)")
    List<String> insecureRegistries = new ArrayList<>();

    @Parameters(arity = "0..1", paramLabel = "DIR", description = "the directory to build, as it is on disk")
    Path directory;

    @Override
    public Integer call() throws IOException {
        ImageReference image = image(tag);
        List<Platform> chosen = platforms(platforms);
        ObjectNode request = JSON.createObjectNode();
        ObjectNode source = request.putObject("source");
        Progress progress = progress(progressMode);
        DispatcherClient api = common.client();

        if ((git == null) == (directory == null)) {
            throw CliException.refused("give a directory to build, or --git URL (not both)");
        }
        if (git != null) {
            source.put("git", git);
            if (ref != null) {
                source.put("ref", ref);
            }
            if (contextDir != null) {
                source.put("contextDir", contextDir);
            }
            if (file != null) {
                source.put("dockerfile", file.toString());
            }
        } else {
            if (ref != null || contextDir != null) {
                throw CliException.refused("--ref and --context-dir go with --git; a directory is built as it is on disk");
            }
            Path root = readableDirectory(directory);
            String dockerfile = dockerfile(root);
            source.put("bundle", pushContext(root, dockerfile, image, progress));
            source.put("dockerfile", dockerfile);
        }
        ObjectNode target = request.putObject("image").put("repository", image.name()).put("tag", image.tag());
        if (!archTags.isEmpty()) {
            ObjectNode tags = target.putObject("archTags");
            pairs("--arch-tag", archTags).forEach(tags::put);
        }
        if (!indexTags.isEmpty()) {
            ArrayNode tags = target.putArray("indexTags");
            indexTags.forEach(tags::add);
        }
        if (noProvenance || noSbom || noSign || attestationsBestEffort) {
            target.putObject("supplyChain").put("provenance", !noProvenance).put("sbom", !noSbom).put("signatures", !noSign)
                    .put("bestEffort", attestationsBestEffort);
        }
        ArrayNode names = request.putArray("platforms");
        chosen.forEach(p -> names.add(p.ociName()));
        ObjectNode args = request.putObject("buildArgs");
        pairs("--build-arg", buildArgs).forEach(args::put);
        ObjectNode imageLabels = request.putObject("labels");
        pairs("--label", labels).forEach(imageLabels::put);
        request.put("allowEmulation", allowEmulation).put("allowPartial", partial).put("timeoutSeconds", seconds(timeout));
        if (rebuild) {
            request.put("rebuild", true);
        }

        JsonNode build = api.submit(JSON.writeValueAsBytes(request));
        progress.submitted(build);
        if (detach) {
            progress.note("build " + build.path("id").asText() + " left running; follow it with: archipelago status "
                    + build.path("id").asText());
            return ExitCodes.OK;
        }
        return new BuildFollower(api, progress).follow(build.path("id").asText());
    }

    static Progress progress(String mode) {
        try {
            return Progress.of(mode.toLowerCase(Locale.ROOT), System.out, System.console() != null);
        } catch (IllegalArgumentException e) {
            throw CliException.refused(e.getMessage());
        }
    }

    /** Packs the directory and pushes it; returns the bundle reference. */
    private String pushContext(Path root, String dockerfile, ImageReference image, Progress progress) throws IOException {
        ImageReference repository = contextRepository == null ? image : repository(contextRepository);
        Path archive = Files.createTempFile("archipelago-context", ".tar.gz");
        try {
            Instant start = Instant.now();
            ContextPacker.Packed packed;
            try {
                packed = ContextPacker.withWorkerLimits().pack(root, dockerfile, archive);
            } catch (ContextPacker.Refused e) {
                throw CliException.refused(e.getMessage());
            }
            Instant packedAt = Instant.now();
            String reference;
            try {
                reference = new ContextPusher(registry()).push(packed, repository);
            } catch (RegistryException e) {
                throw pushRefused(e, repository);
            }
            progress.context(directory.toString(), packed.entries(), packed.bytes(), packed.ignoreFile(), reference,
                    Duration.between(start, packedAt), Duration.between(packedAt, Instant.now()));
            return reference;
        } finally {
            Files.deleteIfExists(archive);
        }
    }

    private RegistryClient registry() {
        Set<String> insecure = new LinkedHashSet<>(insecureRegistries);
        String fromEnvironment = System.getenv("ARCHIPELAGO_INSECURE_REGISTRIES");
        if (fromEnvironment != null) {
            for (String host : fromEnvironment.split(",")) {
                if (!host.isBlank()) {
                    insecure.add(host.strip());
                }
            }
        }
        ImageReference image = image(tag);
        String host = contextRepository == null ? image.apiHost() : repository(contextRepository).apiHost();
        if (host.startsWith("127.") || host.startsWith("localhost") || host.startsWith("[::1]")) {
            insecure.add(host); // as Docker and podman treat loopback registries
        }
        return new RegistryClient(RegistryCredentials.forUser(System.getenv(), Path.of(System.getProperty("user.home"))),
                insecure, Duration.ofSeconds(10), Duration.ofMinutes(30), 3);
    }

    private static CliException pushRefused(RegistryException e, ImageReference repository) {
        String where = repository.name();
        return switch (e.kind()) {
            case UNAUTHORIZED ->
                CliException.refused("the registry refused to take the build context in " + where + " (" + e.status()
                        + "): log in to " + repository.registry()
                        + " with `podman login` or `docker login`, or push it elsewhere with "
                        + "--context-repository");
            case UNAVAILABLE ->
                CliException.unreachable("could not push the build context to " + where + ": " + e.getMessage());
            default -> CliException.refused("the registry refused the build context in " + where + ": " + e.getMessage());
        };
    }

    private static Path readableDirectory(Path directory) {
        if (!Files.exists(directory)) {
            throw CliException.refused("no directory " + directory + ": give the folder that holds the Dockerfile");
        }
        if (!Files.isDirectory(directory)) {
            throw CliException.refused(directory + " is not a directory: give the folder that holds the Dockerfile");
        }
        if (!Files.isReadable(directory) || !Files.isExecutable(directory)) {
            throw CliException.refused("cannot read the directory " + directory + ": check its permissions");
        }
        return directory;
    }

    /**
     * The Dockerfile's path inside the directory: -f (relative to where the command runs), else Dockerfile or Containerfile.
     */
    private String dockerfile(Path root) throws IOException {
        Path real = root.toRealPath();
        Path chosen;
        if (file != null) {
            chosen = file.toAbsolutePath().normalize();
            if (!Files.isRegularFile(chosen)) {
                throw CliException.refused("no Dockerfile at " + file + ": give its path with -f");
            }
            chosen = chosen.toRealPath();
            if (!chosen.startsWith(real)) {
                throw CliException
                        .refused("the Dockerfile " + file + " is outside " + directory + ": it must be inside the directory");
            }
        } else {
            chosen = List.of("Dockerfile", "Containerfile").stream().map(real::resolve).filter(Files::isRegularFile).findFirst()
                    .orElseThrow(() -> CliException.refused("no Dockerfile (or Containerfile) in " + directory
                            + ": add one, or give its path with -f"));
        }
        return real.relativize(chosen).toString().replace('\\', '/');
    }

    private static ImageReference image(String text) {
        ImageReference image;
        try {
            image = ImageReference.parse(text);
        } catch (IllegalArgumentException e) {
            throw CliException.refused("-t " + text + ": " + e.getMessage());
        }
        if (image.tag() == null || image.digest() != null) {
            throw CliException.refused("-t " + text + ": give REGISTRY/REPO:TAG, with a tag and no digest");
        }
        return image;
    }

    private static ImageReference repository(String text) {
        try {
            return ImageReference.parseRepository(text);
        } catch (IllegalArgumentException e) {
            throw CliException.refused("--context-repository " + text + ": " + e.getMessage());
        }
    }

    private static List<Platform> platforms(List<String> names) {
        List<Platform> chosen = new ArrayList<>();
        for (String name : names) {
            try {
                chosen.add(Platform.parse(name.strip()));
            } catch (IllegalArgumentException e) {
                throw CliException.refused("--platform: " + e.getMessage());
            }
        }
        return chosen;
    }

    private static Map<String, String> pairs(String option, List<String> values) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String value : values) {
            int equals = value.indexOf('=');
            if (equals <= 0) {
                throw CliException.refused(option + " '" + value + "' is not KEY=VALUE");
            }
            pairs.put(value.substring(0, equals), value.substring(equals + 1));
        }
        return pairs;
    }

    static int seconds(String text) {
        String trimmed = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (trimmed.matches("\\d+")) {
                return Integer.parseInt(trimmed);
            }
            return Math.toIntExact(Duration.parse("PT" + trimmed.toUpperCase(Locale.ROOT)).toSeconds());
        } catch (DateTimeParseException | ArithmeticException e) {
            throw CliException.refused("--timeout " + text + " is not a duration: give 90s, 30m or 2h");
        }
    }
}
