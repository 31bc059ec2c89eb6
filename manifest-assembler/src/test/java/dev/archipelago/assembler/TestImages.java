package dev.archipelago.assembler;

import dev.archipelago.model.Platform;
import dev.archipelago.testsupport.Buildah;
import dev.archipelago.testsupport.LocalRegistry;
import dev.archipelago.testsupport.LocalRegistryResource;
import dev.archipelago.testsupport.Tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Real per-arch images for the assembler tests, built once per JVM with buildah (amd64 native,
 * ppc64le from Debian's ppc64el busybox) and pushed to the shared registry as OCI and as Docker
 * schema-2 manifests.
 */
final class TestImages {

    static final String REPOSITORY = "assembler/app";
    private static Map<String, String> digests;

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

    private static Map<String, String> build() {
        Map<String, String> result = new HashMap<>();
        try (Buildah buildah = Buildah.isolated()) {
            for (Platform platform : new Platform[]{Platform.LINUX_AMD64, Platform.LINUX_PPC64LE}) {
                Path context = Files.createTempDirectory("assembler-image");
                Files.copy(Tools.busybox(platform), context.resolve("busybox"));
                Files.writeString(context.resolve("Dockerfile"), "FROM scratch\nCOPY busybox /bin/busybox\n"
                        + "CMD [\"/bin/busybox\", \"uname\", \"-m\"]\n");
                String local = "localhost/assembler-test:" + platform.tagSafeName();
                buildah.build(context, platform, local);
                for (String format : new String[]{"oci", "docker"}) {
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
