package dev.archipelago.worker;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Plays the kubelet for a build pod on this machine: runs the pod's init container and build
 * container commands, with the pod's environment, as local processes against the real git, buildah
 * and registry, with each volume mount mapped to a local folder (a Secret volume filled from the
 * given files). Returns the status the kubelet would report: exit codes, and the termination
 * message (the file the container wrote to its termination path, or the end of its log when it
 * failed, as with {@code FallbackToLogsOnError}).
 */
final class LocalKubelet {

    record Run(PodStatus status, String fetchLog, String buildLog) {
    }

    private LocalKubelet() {
    }

    static Run run(Pod pod, Map<String, Map<String, String>> secretVolumes) {
        try {
            Path root = Files.createTempDirectory("archipelago-kubelet-");
            Map<String, Path> volumes = new HashMap<>();
            for (var volume : pod.getSpec().getVolumes()) {
                Path dir = Files.createDirectories(root.resolve("volumes").resolve(volume.getName()));
                volumes.put(volume.getName(), dir);
                if (volume.getSecret() != null) {
                    for (var file : secretVolumes.getOrDefault(volume.getSecret().getSecretName(), Map.of()).entrySet()) {
                        Files.writeString(dir.resolve(file.getKey()), file.getValue());
                    }
                }
            }
            Path storageConf = root.resolve("storage.conf");
            Files.writeString(storageConf, "[storage]\ndriver = \"vfs\"\ngraphroot = \"" + root.resolve("storage")
                    + "\"\nrunroot = \"" + root.resolve("run") + "\"\n");

            Container fetch = pod.getSpec().getInitContainers().get(0);
            Container build = pod.getSpec().getContainers().get(0);
            Path fetchLog = root.resolve("fetch.log");
            Path buildLog = root.resolve("build.log");
            Path termination = root.resolve("termination-log");

            int fetchExit = execute(fetch, volumes, Map.of(), fetchLog);
            List<ContainerStatus> init = List.of(terminated(fetch.getName(), fetchExit, fetchExit == 0 ? "" : tail(fetchLog)));
            if (fetchExit != 0) {
                return new Run(new PodStatusBuilder().withPhase("Failed").withInitContainerStatuses(init)
                        .withContainerStatuses(waiting(build.getName())).build(), Files.readString(fetchLog), "");
            }
            int buildExit = execute(build, volumes, Map.of("ARCHIPELAGO_DIGEST_FILE", termination.toString(),
                    "CONTAINERS_STORAGE_CONF", storageConf.toString()), buildLog);
            String message = buildExit == 0 ? (Files.exists(termination) ? Files.readString(termination) : "") : tail(buildLog);
            return new Run(new PodStatusBuilder().withPhase(buildExit == 0 ? "Succeeded" : "Failed").withInitContainerStatuses(init)
                    .withContainerStatuses(terminated(build.getName(), buildExit, message)).build(),
                    Files.readString(fetchLog), Files.readString(buildLog));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int execute(Container container, Map<String, Path> volumes, Map<String, String> extra, Path log)
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
        ProcessBuilder builder = new ProcessBuilder(container.getCommand()).directory(workspace.toFile())
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
