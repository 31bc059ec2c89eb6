package dev.archipelago.worker.kubernetes;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.archipelago.model.Redaction;
import dev.archipelago.model.SafeText;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.quarkus.logging.Log;

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
