package dev.archipelago.assembler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import dev.archipelago.infra.Buildah;
import dev.archipelago.infra.LocalRegistry;
import dev.archipelago.infra.Tools;
import dev.archipelago.model.Platform;
import dev.archipelago.testsupport.LocalRegistryResource;

/**
 * Real per-arch images for the assembler tests, built once per JVM with buildah (amd64 native,
 * ppc64le from Debian's ppc64el busybox) and pushed to the shared registry as OCI and as Docker
 * schema-2 manifests.
 */
final class TestImages {

    static final String REPOSITORY = "assembler/app";
    private static Map<String, String> digests;
    private static Buildah buildah;

    private TestImages() {
    }

    /** The digest of the child for a platform in a format ({@code oci} or {@code docker}). */
    static synchronized String digest(Platform platform, String format) {
        if (digests == null) {
            digests = build();
        }
        return digests.get(platform.tagSafeName() + "-" + format);
    }

    static LocalRegistry registry() {
        return LocalRegistryResource.registry();
    }

    static String repository() {
        return registry().hostPort() + "/" + REPOSITORY;
    }

    /** Pushes the built images (OCI) to another registry; returns the digests by platform tag-safe name. */
    static synchronized Map<String, String> pushTo(String repository, Path authFile) {
        digest(Platform.LINUX_AMD64, "oci");
        Map<String, String> pushed = new HashMap<>();
        for (Platform platform : new Platform[] { Platform.LINUX_AMD64, Platform.LINUX_PPC64LE }) {
            pushed.put(platform.tagSafeName(), buildah.push("localhost/assembler-test:" + platform.tagSafeName(),
                    repository + ":" + platform.tagSafeName(), "oci", authFile));
        }
        return pushed;
    }

    private static Map<String, String> build() {
        Map<String, String> result = new HashMap<>();
        buildah = Buildah.isolated();
        Runtime.getRuntime().addShutdownHook(new Thread(buildah::close, "buildah-cleanup"));
        try {
            for (Platform platform : new Platform[] { Platform.LINUX_AMD64, Platform.LINUX_PPC64LE }) {
                Path context = Files.createTempDirectory("assembler-image");
                Files.copy(Tools.busybox(platform), context.resolve("busybox"));
                Files.writeString(context.resolve("Dockerfile"), "FROM scratch\nCOPY busybox /bin/busybox\n"
                        + "CMD [\"/bin/busybox\", \"uname\", \"-m\"]\n");
                String local = "localhost/assembler-test:" + platform.tagSafeName();
                buildah.build(context, platform, local);
                for (String format : new String[] { "oci", "docker" }) {
                    String tag = platform.tagSafeName() + "-" + format;
                    result.put(tag, buildah.push(local, repository() + ":" + tag, format));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }
}
