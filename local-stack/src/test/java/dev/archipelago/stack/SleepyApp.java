package dev.archipelago.stack;

import java.util.List;
import java.util.UUID;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.infra.Tools;
import dev.archipelago.model.Platform;

/**
 * A repository whose image needs no base from the registry (FROM scratch with each platform's
 * static busybox) and whose RUN step sleeps a given time per platform, so that a fault test can
 * hit a build at the moment it wants; and the two-platform request that builds it.
 */
final class SleepyApp {

    static final List<Platform> PLATFORMS = List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE);

    private SleepyApp() {
    }

    /** A build submitted to the stack: its id, repository and tag (also its index tag). */
    record Build(String id, String repository, String tag) {
    }

    /** A fresh repository (a new commit each time) whose RUN step sleeps these seconds on amd64 and on ppc64le. */
    static ScratchGitRepository create(int amd64Seconds, int ppc64leSeconds) {
        ScratchGitRepository git = ScratchGitRepository.create();
        for (Platform platform : PLATFORMS) {
            git.copy(Tools.busybox(platform), "busybox-" + platform.architecture());
        }
        git.write("Dockerfile",
                """
                        FROM scratch
                        ARG TARGETARCH
                        COPY busybox-${TARGETARCH} /bin/busybox
                        RUN ["/bin/busybox", "sh", "-c", "if [ \\"$(/bin/busybox uname -m)\\" = ppc64le ]; then /bin/busybox sleep %d; else /bin/busybox sleep %d; fi; /bin/busybox uname -m > /built-on"]
                        CMD ["/bin/busybox", "cat", "/built-on"]
                        """
                        .formatted(ppc64leSeconds, amd64Seconds))
                .commit("app " + UUID.randomUUID());
        return git;
    }

    /** Submits a linux/amd64 + linux/ppc64le build of the app to {@code <registry>/<area>/<name>:<name>-<random>}. */
    static Build submit(LocalStack stack, StackClient api, ScratchGitRepository app, String area, String name,
            int timeoutSeconds) {
        String tag = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        String repository = stack.registryHost() + "/" + area + "/" + name;
        String id = api.submit("""
                {"source": {"git": "%s", "ref": "main"}, "image": {"repository": "%s", "tag": "%s"},
                 "platforms": ["linux/amd64", "linux/ppc64le"], "allowEmulation": true, "timeoutSeconds": %d}"""
                .formatted(app.url(), repository, tag, timeoutSeconds));
        return new Build(id, repository, tag);
    }
}
