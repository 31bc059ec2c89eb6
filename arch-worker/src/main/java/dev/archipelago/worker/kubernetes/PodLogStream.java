package dev.archipelago.worker.kubernetes;

import io.fabric8.kubernetes.client.dsl.LogWatch;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import dev.archipelago.worker.job.BuildExecutor;
import dev.archipelago.worker.job.JobProcess;
import dev.archipelago.worker.buildah.BuildahCommands;

import dev.archipelago.model.ImageReference;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;
import dev.archipelago.model.Redaction;
import dev.archipelago.model.SafeText;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.ArchBuildRequest;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.worker.config.WorkerConfig;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.logging.Log;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A container's log as it arrives (followed while it runs, or read whole at the end): each line
 * goes into the worker's log at once, URL credentials masked, and is kept for a FAILED event's tail.
 */
final class PodLogStream extends OutputStream {
    /** The most bytes of one line kept; the rest of an endless line is counted, not stored. */
    private static final int MAX_LINE_BYTES = 16 * 1024;

    private final String buildId;
    private final String container;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private long droppedBytes;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    volatile LogWatch watch;

    PodLogStream(String buildId, String container) {
        this.buildId = buildId;
        this.container = container;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            emit();
        } else if (line.size() < MAX_LINE_BYTES) {
            line.write(b);
        } else {
            droppedBytes++;
        }
    }

    /** A whole log at once, as if it had been followed. */
    synchronized void append(String text) {
        for (byte b : (text + "\n").getBytes(StandardCharsets.UTF_8)) {
            write(b);
        }
    }

    private void emit() {
        String text = line.toString(StandardCharsets.UTF_8) + (droppedBytes > 0 ? " [" + droppedBytes + " more bytes]" : "");
        line.reset();
        droppedBytes = 0;
        if (!text.isEmpty()) {
            String masked = SafeText.line(Redaction.maskUrlCredentials(text));
            lines.addLast(masked);
            if (lines.size() > SafeText.MAX_LINES) {
                lines.removeFirst();
            }
            Log.infof("build %s %s | %s", buildId, container, masked);
        }
    }

    /** Waits a moment for the rest of an ended container's log, stops following, and returns every line. */
    List<String> finish() {
        if (watch != null) {
            try {
                watch.onClose().toCompletableFuture().get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                // the log ended without saying so; what arrived is kept
            }
            watch.close();
        }
        synchronized (this) {
            emit();
            return List.copyOf(lines);
        }
    }
}
