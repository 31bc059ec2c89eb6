package dev.archipelago.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;

/**
 * Plays the kubelet for a build pod on this machine: runs the pod's init container and build
 * container commands, with the pod's environment, as local processes against the real git, buildah
 * and registry, with each volume mount mapped to a local folder (a Secret volume filled from the
 * given files). Returns the status the kubelet would report: exit codes, and the termination
 * message (the file the container wrote to its termination path, or the end of its log when it
 * failed without writing one, as with {@code FallbackToLogsOnError}).
 *
 * <p>
 * Each container runs as the pod asks: with {@code hostUsers: false}, in a user namespace of its
 * own that maps the container's 65536 IDs to host IDs from 200000 (root's range in /etc/subuid,
 * which scripts/setup.sh writes), as its {@code runAsUser}, with only the capabilities its security
 * context adds (every other one dropped) and no privilege escalation ({@code no_new_privs}).
 */
final class LocalKubelet {

    /** The first host ID of root's subordinate range, which a user-namespaced container's ID 0 maps to. */
    static final int SUBORDINATE_START = 200000;

    /** What the pod did; {@code storageOwner} is the host UID owning what buildah wrote to its storage volume. */
    record Run(PodStatus status, String fetchLog, String buildLog, int storageOwner) {
    }

    private LocalKubelet() {
    }

    static Run run(Pod pod, Map<String, Map<String, String>> secretVolumes) {
        try {
            requireSubordinateIds();
            Path root = Files.createTempDirectory("archipelago-kubelet-");
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            Map<String, Path> volumes = new HashMap<>();
            for (var volume : pod.getSpec().getVolumes()) {
                Path dir = Files.createDirectories(root.resolve("volumes").resolve(volume.getName()));
                // an emptyDir is writable by every user of the pod
                Files.setPosixFilePermissions(dir.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
                volumes.put(volume.getName(), dir);
                if (volume.getSecret() != null) {
                    for (var file : secretVolumes.getOrDefault(volume.getSecret().getSecretName(), Map.of()).entrySet()) {
                        Files.writeString(dir.resolve(file.getKey()), file.getValue());
                    }
                }
            }
            // the fetch container's git reads the test's file:// repositories, which belong to root here:
            // a HOME whose git config trusts them stands in for a git server
            Path home = Files.createDirectories(root.resolve("home"));
            Files.writeString(home.resolve(".gitconfig"), "[safe]\n\tdirectory = *\n");
            Path storageConf = root.resolve("storage.conf");
            Path storage = volumes.get("storage");
            Files.writeString(storageConf, "[storage]\ndriver = \"vfs\"\ngraphroot = \"" + storage.resolve("graph")
                    + "\"\nrunroot = \"" + storage.resolve("run") + "\"\n");

            Container fetch = pod.getSpec().getInitContainers().get(0);
            Container build = pod.getSpec().getContainers().get(0);
            Path fetchLog = root.resolve("fetch.log");
            Path buildLog = root.resolve("build.log");
            Path termination = root.resolve("termination-log");

            int fetchExit = execute(pod, fetch, volumes, Map.of("HOME", home.toString()), fetchLog);
            List<ContainerStatus> init = List.of(terminated(fetch.getName(), fetchExit, fetchExit == 0 ? "" : tail(fetchLog)));
            if (fetchExit != 0) {
                return new Run(new PodStatusBuilder().withPhase("Failed").withInitContainerStatuses(init)
                        .withContainerStatuses(waiting(build.getName())).build(), Files.readString(fetchLog), "", -1);
            }
            Files.createFile(termination, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-rw-rw-")));
            Files.setPosixFilePermissions(termination, PosixFilePermissions.fromString("rw-rw-rw-"));
            // the image's HOME, which its root owns
            Path buildHome = Files.createDirectories(root.resolve("build-home"));
            Files.setPosixFilePermissions(buildHome, PosixFilePermissions.fromString("rwxrwxrwx"));
            int buildExit = execute(pod, build, volumes, Map.of("ARCHIPELAGO_DIGEST_FILE", termination.toString(),
                    "CONTAINERS_STORAGE_CONF", storageConf.toString(), "HOME", buildHome.toString()), buildLog);
            String written = Files.readString(termination);
            String message = !written.isBlank() ? written : buildExit == 0 ? "" : tail(buildLog);
            return new Run(
                    new PodStatusBuilder().withPhase(buildExit == 0 ? "Succeeded" : "Failed").withInitContainerStatuses(init)
                            .withContainerStatuses(terminated(build.getName(), buildExit, message)).build(),
                    Files.readString(fetchLog), Files.readString(buildLog), owner(storage.resolve("graph")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int execute(Pod pod, Container container, Map<String, Path> volumes, Map<String, String> extra, Path log)
            throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        Path workspace = null;
        for (VolumeMount mount : container.getVolumeMounts()) {
            if (mount.getMountPath().equals("/workspace")) {
                workspace = volumes.get(mount.getName());
            }
        }
        for (EnvVar var : container.getEnv()) {
            String value = var.getValue();
            for (VolumeMount mount : container.getVolumeMounts()) {
                if (value.startsWith(mount.getMountPath() + "/")) {
                    value = volumes.get(mount.getName()) + value.substring(mount.getMountPath().length());
                }
            }
            env.put(var.getName(), value);
        }
        env.put("ARCHIPELAGO_WORKSPACE", workspace.toString());
        env.putAll(extra);
        ProcessBuilder builder = new ProcessBuilder(asThePodSays(pod, container)).directory(workspace.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        try {
            if (!process.waitFor(180, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return 137;
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return 137;
        }
    }

    /** The container's command, run in the user namespace, as the user and with the capabilities the pod asks for. */
    private static List<String> asThePodSays(Pod pod, Container container) {
        var context = container.getSecurityContext();
        List<String> command = new ArrayList<>();
        if (Boolean.FALSE.equals(pod.getSpec().getHostUsers())) {
            long uid = context != null && context.getRunAsUser() != null ? context.getRunAsUser() : 0;
            command.addAll(List.of("unshare", "--user", "--map-users=" + SUBORDINATE_START + ",0,65536",
                    "--map-groups=" + SUBORDINATE_START + ",0,65536", "--setuid", String.valueOf(uid), "--setgid",
                    String.valueOf(uid), "--"));
        }
        command.add("setpriv");
        if (context != null && Boolean.FALSE.equals(context.getAllowPrivilegeEscalation())) {
            command.add("--no-new-privs");
        }
        List<String> added = context == null || context.getCapabilities() == null || context.getCapabilities().getAdd() == null
                ? List.of()
                : context.getCapabilities().getAdd();
        if (context == null || context.getCapabilities() == null || !context.getCapabilities().getDrop().contains("ALL")) {
            throw new IllegalStateException(
                    container.getName() + " does not drop ALL capabilities; this kubelet runs only pods that do");
        }
        StringBuilder bounding = new StringBuilder("-all");
        added.forEach(capability -> bounding.append(",+").append(capability.toLowerCase(Locale.ROOT)));
        command.addAll(List.of("--bounding-set=" + bounding, "--inh-caps=-all", "--"));
        command.addAll(container.getCommand());
        return command;
    }

    private static int owner(Path path) throws IOException {
        return Files.exists(path) ? (Integer) Files.getAttribute(path, "unix:uid") : -1;
    }

    private static void requireSubordinateIds() throws IOException {
        for (String file : List.of("/etc/subuid", "/etc/subgid")) {
            Path path = Path.of(file);
            if (!Files.exists(path)
                    || Files.readAllLines(path).stream().noneMatch(l -> l.equals("root:" + SUBORDINATE_START + ":65536"))) {
                throw new IllegalStateException(file + " gives root no range root:" + SUBORDINATE_START
                        + ":65536 for user-namespaced build containers: run scripts/setup.sh");
            }
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }

    static ContainerStatus terminated(String name, int exitCode, String message) {
        return new ContainerStatusBuilder().withName(name).withNewState().withNewTerminated().withExitCode(exitCode)
                .withReason(exitCode == 0 ? "Completed" : "Error").withMessage(message).endTerminated().endState().build();
    }

    static ContainerStatus running(String name) {
        return new ContainerStatusBuilder().withName(name).withNewState().withNewRunning().endRunning().endState().build();
    }

    private static ContainerStatus waiting(String name) {
        return new ContainerStatusBuilder().withName(name).withNewState().withNewWaiting().withReason("PodInitializing")
                .endWaiting().endState().build();
    }
}
