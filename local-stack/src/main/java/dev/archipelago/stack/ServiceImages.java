package dev.archipelago.stack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.infra.Processes;
import dev.archipelago.infra.Skopeo;
import dev.archipelago.infra.Tools;
import dev.archipelago.model.Platform;
import dev.archipelago.registry.RegistryClient;
import dev.archipelago.registry.RegistryCredentials;
import dev.archipelago.registry.signing.CosignSignatures;
import dev.archipelago.registry.signing.SigningKey;

/**
 * Archipelago's own images, built by Archipelago: each service's module folder goes through the
 * {@code archipelago} CLI to a running stack, whose amd64 worker builds natively and whose ppc64le
 * worker builds under QEMU, and comes back as one image index per service with both platforms.
 * Used by {@code scripts/images.sh}.
 */
final class ServiceImages {

    /** The services, by module folder and image name. */
    static final List<String> SERVICES = List.of("build-dispatcher", "manifest-assembler", "arch-worker");
    static final List<Platform> PLATFORMS = List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE);
    /** Where the Containerfiles' default bases come from. */
    static final String DEFAULT_BASE_REGISTRY = "registry.access.redhat.com";

    /** One service's image index in the stack's registry. */
    record Built(String service, String reference, String digest) {
    }

    private final LocalStack stack;
    private final Path repoRoot;
    private final String version;
    private final Consumer<String> say;

    ServiceImages(LocalStack stack, Path repoRoot, String version, Consumer<String> say) {
        this.stack = stack;
        this.repoRoot = repoRoot;
        this.version = version;
        this.say = say;
    }

    /**
     * The base to build on: the one given, else the Containerfiles' defaults when their registry
     * answers, else a base made here from Debian packages for both platforms and pushed to the
     * stack's registry (null means the defaults).
     */
    String chooseBase(String given) {
        if (given != null) {
            say.accept("base: " + given + " (given)");
            return given;
        }
        if (reachable(DEFAULT_BASE_REGISTRY)) {
            say.accept("base: the Containerfiles' defaults (UBI 9 from " + DEFAULT_BASE_REGISTRY + ")");
            return null;
        }
        say.accept("base: " + DEFAULT_BASE_REGISTRY + " cannot be reached from here, so the base is made from Debian packages ("
                + String.join(", ", DebianJavaBase.PACKAGES) + ") for " + PLATFORMS + " by scripts/debian-base.sh, cached in "
                + Tools.cacheDirectory().resolve("bases"));
        return DebianJavaBase.push(repoRoot, stack.registryHost(), PLATFORMS, say);
    }

    /** Builds every service for both platforms with the CLI; fails naming the service whose build failed. */
    List<Built> build(String base) {
        List<Built> built = new ArrayList<>();
        for (String service : SERVICES) {
            Path module = repoRoot.resolve(service);
            String reference = stack.registryHost() + "/archipelago/" + service + ":" + version;
            List<String> arguments = new ArrayList<>(List.of("build", "-t", reference, "--platform",
                    String.join(",", PLATFORMS.stream().map(Platform::ociName).toList()), "--allow-emulation",
                    "--timeout", "30m", "--label", "org.opencontainers.image.title=" + service,
                    "--label", "org.opencontainers.image.version=" + version,
                    "-f", module.resolve("src/main/docker/Dockerfile.jvm").toString()));
            if (base != null) {
                arguments.addAll(List.of("--build-arg", "BASE=" + base));
            }
            arguments.add(module.toString());
            int exit = LocalStackCli.runCli(stack, arguments.toArray(String[]::new));
            if (exit != 0) {
                throw new LocalStack.StackException(
                        "archipelago build of " + service + " exited " + exit + " (the lines above say why)");
            }
            JsonNode index = Skopeo.inspect(reference, "--raw");
            String digest = Processes.run(Duration.ofSeconds(60), Tools.skopeo().toString(), "inspect", "--tls-verify=false",
                    "--format", "{{.Digest}}", "docker://" + reference).orThrow().stdout().strip();
            built.add(new Built(service, reference, digest));
            proveIndex(service, reference, index);
        }
        return built;
    }

    /** The index lists exactly the built platforms, and each child's config says its platform. */
    private void proveIndex(String service, String reference, JsonNode index) {
        Set<String> listed = new TreeSet<>();
        String repository = reference.substring(0, reference.lastIndexOf(':'));
        for (JsonNode child : index.path("manifests")) {
            String platform = child.path("platform").path("os").asText() + "/"
                    + child.path("platform").path("architecture").asText();
            listed.add(platform);
            JsonNode config = Skopeo.inspect(repository + "@" + child.path("digest").asText(), "--config", "--raw");
            String configured = config.path("os").asText() + "/" + config.path("architecture").asText();
            if (!configured.equals(platform)) {
                throw new LocalStack.StackException(
                        service + ": the index lists " + platform + " but that image's config says " + configured);
            }
        }
        Set<String> expected = new TreeSet<>(PLATFORMS.stream().map(Platform::ociName).toList());
        if (!listed.equals(expected)) {
            throw new LocalStack.StackException(service + ": the index lists " + listed + ", not " + expected);
        }
        say.accept(service + ": " + reference + " -> index " + index.path("mediaType").asText() + " with " + listed
                + ", each child's config naming its platform");
    }

    /**
     * Copies every index with all its platforms to another registry, digests unchanged (skopeo copy
     * --all), then the provenance and SBOMs the assembler attached beside the index and each platform
     * image, and signs each copy with the stack's key, with the user's registry credentials.
     */
    void push(List<Built> built, String registry, boolean tlsVerify) {
        String targetHost = registry.contains("/") ? registry.substring(0, registry.indexOf('/')) : registry;
        String targetPath = registry.contains("/") ? registry.substring(registry.indexOf('/') + 1) + "/" : "";
        RegistryClient source = new RegistryClient(RegistryCredentials.none(), Set.of(stack.registryHost()),
                Duration.ofSeconds(5),
                Duration.ofMinutes(2), 3);
        RegistryClient target = new RegistryClient(
                RegistryCredentials.forUser(System.getenv(), Path.of(System.getProperty("user.home"))),
                tlsVerify ? Set.of() : Set.of(targetHost), Duration.ofSeconds(5), Duration.ofMinutes(2), 3);
        AttachmentCopy attachments = new AttachmentCopy(source, stack.registryHost(), target, targetHost);
        CosignSignatures signatures = new CosignSignatures(target,
                SigningKey.read(Path.of(stack.environment("manifest-assembler")
                        .get("ARCHIPELAGO_ASSEMBLER_SIGNING_KEY_FILE"))));
        for (Built image : built) {
            String destination = registry + "/archipelago/" + image.service() + ":" + version;
            Processes.run(Duration.ofMinutes(20), Tools.skopeo().toString(), "copy", "--all", "--src-tls-verify=false",
                    "--dest-tls-verify=" + tlsVerify, "docker://" + image.reference(), "docker://" + destination).orThrow();
            List<String> subjects = new ArrayList<>(List.of(image.digest()));
            Skopeo.inspect(image.reference(), "--raw").path("manifests").forEach(m -> subjects.add(m.path("digest").asText()));
            String repository = targetPath + "archipelago/" + image.service();
            int copied = attachments.copy("archipelago/" + image.service(), repository, subjects);
            // a signature names its repository: the copies are signed where they now are, with the stack's key
            subjects.forEach(digest -> signatures.sign(targetHost, repository, digest));
            say.accept("pushed " + destination + "@" + image.digest() + ", " + copied + " attachment manifests beside it, and "
                    + subjects.size() + " signatures naming " + targetHost + "/" + repository);
        }
    }

    /**
     * Copies this machine's platform of every image into the local containers storage as
     * {@code localhost/archipelago/<service>:<version>}, where podman and podman-compose find them.
     */
    void load(List<Built> built) {
        for (Built image : built) {
            String local = "localhost/archipelago/" + image.service() + ":" + version;
            Processes.run(Duration.ofMinutes(20), Tools.skopeo().toString(), "copy", "--src-tls-verify=false",
                    "docker://" + image.reference(), "containers-storage:" + local).orThrow();
            say.accept("loaded " + local + " (this machine's platform) into the local containers storage");
        }
    }

    private static boolean reachable(String host) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, 443), 5000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
