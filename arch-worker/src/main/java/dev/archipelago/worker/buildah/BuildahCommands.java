package dev.archipelago.worker.buildah;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.failure.Backoff;
import dev.archipelago.model.ImageReference;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.worker.config.WorkerConfig;
import dev.archipelago.worker.identity.ElfHeader;
import dev.archipelago.worker.job.BuildFailure;
import dev.archipelago.worker.job.JobProcess;
import dev.archipelago.worker.source.SourceFetcher;
import io.quarkus.logging.Log;

/**
 * Builds, verifies and pushes one platform's image with buildah as a child process, always with
 * an argument list. Storage (the layer cache) is kept between builds under the configured root.
 */
public final class BuildahCommands {

    /**
     * What buildah says when the registry refuses the credentials. A status code counts only as a
     * number of its own: a digest or a port in the push's output may well contain "401".
     */
    private static final Pattern REFUSED_CREDENTIALS = Pattern.compile(
            "unauthorized|authentication required|denied|(?<![0-9a-z])40[13](?![0-9a-z])");

    /** Whether buildah's (lower-cased) output says the registry refused the credentials. */
    static boolean refusedCredentials(String output) {
        return REFUSED_CREDENTIALS.matcher(output).find();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final WorkerConfig config;
    private final String driver;
    private final Map<String, String> environment;

    public BuildahCommands(WorkerConfig config) {
        this.config = config;
        this.driver = chooseDriver(config.storageDriver());
        this.environment = registriesConf(config);
    }

    /** The settings of this buildah that shape what it builds, as the build's provenance records them. */
    ArchBuildEvent.Builder settings() {
        return new ArchBuildEvent.Builder("buildah", driver, config.isolation(), config.layerCache(),
                config.format().formatName());
    }

    /**
     * Plain HTTP only for the listed registries: a registries.conf of the worker's own, given to
     * buildah through CONTAINERS_REGISTRIES_CONF, instead of a global --tls-verify=false.
     */
    private static Map<String, String> registriesConf(WorkerConfig config) {
        Set<String> insecure = config.insecureRegistries().orElse(Set.of());
        if (insecure.isEmpty()) {
            return Map.of();
        }
        StringBuilder conf = new StringBuilder("unqualified-search-registries = [\"docker.io\"]\n");
        for (String host : insecure.stream().sorted().toList()) {
            conf.append("\n[[registry]]\nlocation = \"").append(host).append("\"\ninsecure = true\n");
        }
        try {
            Path file = Path.of(config.workDir()).resolve("registries.conf");
            Files.createDirectories(file.getParent());
            Files.writeString(file, conf);
            return Map.of("CONTAINERS_REGISTRIES_CONF", file.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the worker's registries.conf: " + e.getMessage(), e);
        }
    }

    String driver() {
        return driver;
    }

    /**
     * Removes the working containers a previous run left behind (a worker killed mid-build). Called
     * before any build starts: the storage belongs to this worker alone, so none of them is in use.
     * Images, and so the layer cache, stay.
     */
    void removeLeftoverContainers() {
        try {
            Path log = Files.createTempFile("buildah-cleanup", ".log");
            JobProcess process = new JobProcess(log, Instant.now().plusSeconds(120));
            if (process.run(buildah("rm", "--all"), null, Map.of()) != 0) {
                Log.warnf("could not remove leftover build containers: %s", String.join(" ", process.tail(5)));
            }
            Files.deleteIfExists(log);
        } catch (IOException | JobProcess.Stopped e) {
            Log.warnf("could not remove leftover build containers: %s", e.getMessage());
        }
    }

    /** The global options that select the worker's storage. */
    List<String> buildah(String... args) {
        List<String> command = new ArrayList<>(List.of(config.buildah(), "--root", config.storageRoot(), "--runroot",
                config.runRoot(), "--storage-driver", driver));
        command.addAll(List.of(args));
        return command;
    }

    /** Builds the checkout for the platform with these labels and tags the result {@code localTag}. */
    void build(ArchBuildRequest request, SourceFetcher.Checkout checkout, Map<String, String> labels, String localTag,
            JobProcess process) throws BuildFailure, JobProcess.Stopped, IOException {
        List<String> command = buildah("build", "--isolation", config.isolation(), "--platform", request.platform().ociName(),
                "--format", config.format().formatName(), "-f", checkout.dockerfile().toString(), "-t", localTag,
                // a failed build removes its intermediate containers (and their mounts) too
                "--force-rm");
        command.add(config.layerCache() ? "--layers" : "--no-cache");
        config.authFile().ifPresent(file -> command.addAll(List.of("--authfile", file)));
        request.buildArgs().forEach((name, value) -> command.addAll(List.of("--build-arg", name + "=" + value)));
        labels.forEach((name, value) -> command.addAll(List.of("--label", name + "=" + value)));
        command.add(checkout.context().toString());
        if (process.run(command, checkout.root(), environment) != 0) {
            throw new BuildFailure(BuildErrorCode.BUILD_FAILED, "buildah build for " + request.platform()
                    + " failed; the log tail shows the step");
        }
    }

    /**
     * Checks the built image: its config names the requested platform, and the ELF executables in
     * its file system are of that platform's machine. Returns how many files were checked.
     */
    int verify(String localTag, Platform platform, JobProcess process) throws BuildFailure, JobProcess.Stopped, IOException {
        JsonNode inspect = JSON.readTree(process.capture(buildah("inspect", "--type", "image", localTag)));
        JsonNode oci = inspect.path("OCIv1");
        String os = oci.path("os").asText();
        String arch = oci.path("architecture").asText();
        String variant = oci.path("variant").asText("");
        String configured = os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant);
        Platform declared;
        try {
            declared = Platform.parse(configured);
        } catch (IllegalArgumentException e) {
            throw new BuildFailure(BuildErrorCode.ARCH_MISMATCH, "the image config says " + configured + ", not " + platform);
        }
        if (!declared.equals(platform)) {
            throw new BuildFailure(BuildErrorCode.ARCH_MISMATCH, "the image config says " + declared + ", not " + platform);
        }
        String container = process.capture(buildah("from", "--pull-never", "--name",
                "verify-" + localTag.replaceAll("[^a-zA-Z0-9_.-]", "-"), localTag)).strip();
        try {
            Path root = Path.of(process.capture(buildah("mount", container)).strip());
            return checkExecutables(root, platform);
        } finally {
            process.run(buildah("umount", container), null, Map.of());
            process.run(buildah("rm", container), null, Map.of());
        }
    }

    private int checkExecutables(Path root, Platform platform) throws BuildFailure, IOException {
        int[] checked = { 0 };
        List<String> foreign = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String relative = "/" + root.relativize(dir);
                return relative.startsWith("/proc") || relative.startsWith("/sys") || relative.startsWith("/dev")
                        ? FileVisitResult.SKIP_SUBTREE
                        : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isRegularFile() || attrs.size() < 20 || checked[0] >= config.verifyMaxFiles()) {
                    return checked[0] >= config.verifyMaxFiles() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                }
                byte[] header;
                try (InputStream in = Files.newInputStream(file)) {
                    header = in.readNBytes(20);
                }
                ElfHeader elf = ElfHeader.parse(header);
                if (elf != null) {
                    checked[0]++;
                    if (!elf.matches(platform)) {
                        foreign.add("/" + root.relativize(file) + " (" + elf.describe() + ")");
                    }
                }
                return foreign.size() >= 5 ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
            }
        });
        if (!foreign.isEmpty()) {
            throw new BuildFailure(BuildErrorCode.ARCH_MISMATCH, "the image claims " + platform + " but holds executables for "
                    + "another machine: " + String.join(", ", foreign));
        }
        return checked[0];
    }

    /** The pushed manifest: digest, media type and size. */
    record Pushed(String digest, String mediaType, long size) {
    }

    /**
     * Pushes, trying again on server and connection errors for {@code push-retry-window} (the build's
     * deadline stops it sooner); no retry when the registry refuses the credentials.
     */
    Pushed push(String localTag, ImageReference target, Path digestFile, JobProcess process)
            throws BuildFailure, JobProcess.Stopped, IOException {
        List<String> command = buildah("push", "--format", config.format().formatName(), "--digestfile", digestFile.toString());
        config.authFile().ifPresent(file -> command.addAll(List.of("--authfile", file)));
        command.addAll(List.of(localTag, "docker://" + target));

        Instant giveUp = Instant.now().plus(config.pushRetryWindow());
        // a try is a whole buildah push: waits of 1, 2, 4, 8 then 10 s
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10));
        for (int attempt = 1;; attempt++) {
            long before = logSize(process);
            if (process.run(command, null, environment) == 0) {
                String digest = Files.readString(digestFile).strip();
                return new Pushed(digest, config.format().manifestMediaType(),
                        manifestSize(target, digest, process));
            }
            String output = process.logSince(before).toLowerCase(Locale.ROOT);
            if (refusedCredentials(output)) {
                throw new BuildFailure(BuildErrorCode.PUSH_UNAUTHORIZED, "registry " + target.registry()
                        + " refused the worker's credentials for " + target.name()
                        + " (check the auth.json for that registry)");
            }
            Duration pause = backoff.next();
            if (Instant.now().plus(pause).isAfter(giveUp)) {
                throw new BuildFailure(BuildErrorCode.PUSH_FAILED, "pushing to " + target.registry() + " failed " + attempt
                        + " times in " + config.pushRetryWindow().toSeconds()
                        + " s (push-retry-window); the log tail shows the last error");
            }
            Log.warnf("push of %s to %s failed (attempt %d); trying again in %d s", localTag, target, attempt,
                    pause.toSeconds());
            sleep(pause.toMillis(), process);
        }
    }

    /** Reads the pushed manifest back by digest: its size, and proof that the registry has it. */
    public long manifestSize(ImageReference target, String digest, JobProcess process) throws JobProcess.Stopped, IOException {
        List<String> command = new ArrayList<>(List.of(config.skopeo()));
        if (environment.containsKey("CONTAINERS_REGISTRIES_CONF")) {
            // skopeo 1.9 reads the variable for pulls but not for inspect; the flag works for both
            command.addAll(List.of("--registries-conf", environment.get("CONTAINERS_REGISTRIES_CONF")));
        }
        command.addAll(List.of("inspect", "--raw"));
        config.authFile().ifPresent(file -> command.addAll(List.of("--authfile", file)));
        command.add("docker://" + target.withDigest(digest));
        byte[] manifest = process.capture(command, environment).getBytes(StandardCharsets.UTF_8);
        return manifest.length;
    }

    private static long logSize(JobProcess process) {
        return process.logSize();
    }

    private static void sleep(long millis, JobProcess process) throws JobProcess.Stopped {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            process.checkNotStopped();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobProcess.Stopped(false, "interrupted");
            }
        }
    }

    private static String chooseDriver(WorkerConfig.StorageDriver configured) {
        if (configured != WorkerConfig.StorageDriver.AUTO) {
            return configured.driverName();
        }
        try {
            return Files.readString(Path.of("/proc/filesystems")).contains("overlay") ? "overlay" : "vfs";
        } catch (IOException e) {
            return "vfs";
        }
    }
}
