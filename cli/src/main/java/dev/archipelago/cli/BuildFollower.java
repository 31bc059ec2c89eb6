package dev.archipelago.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.cli.progress.Progress;
import sun.misc.Signal;

/**
 * Follows a build to its end through the API's event stream, showing it with a {@link Progress};
 * a stream that breaks off (the dispatcher restarted, the network) is taken up again. Ctrl-C
 * cancels the build and says so, then waits for the build to end CANCELLED.
 */
final class BuildFollower {

    private static final Set<String> FINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    private static final Duration RECONNECT = Duration.ofSeconds(2);

    private final DispatcherClient api;
    private final Progress progress;

    BuildFollower(DispatcherClient api, Progress progress) {
        this.api = api;
        this.progress = progress;
    }

    /** Follows the build until it ends; returns the exit code its end calls for. */
    int follow(String id) {
        AtomicBoolean cancelling = new AtomicBoolean();
        Signal.handle(new Signal("INT"), signal -> {
            if (cancelling.compareAndSet(false, true)) {
                cancel(id);
            } else {
                progress.note("interrupted again: leaving build " + id + " running");
                System.exit(ExitCodes.CANCELLED);
            }
        });
        Thread ticker = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                progress.tick();
            }
        }, "progress-ticker");
        ticker.setDaemon(true);
        ticker.start();
        try {
            JsonNode end = awaitEnd(id);
            progress.finished(end);
            return switch (end.path("state").asText()) {
                case "SUCCEEDED" -> ExitCodes.OK;
                case "CANCELLED" -> ExitCodes.CANCELLED;
                default -> ExitCodes.FAILED;
            };
        } finally {
            ticker.interrupt();
        }
    }

    private JsonNode awaitEnd(String id) {
        boolean lost = false;
        while (true) {
            try {
                JsonNode last = api.events(id, view -> {
                    progress.update(view);
                    return FINAL.contains(view.path("state").asText());
                });
                if (last != null && FINAL.contains(last.path("state").asText())) {
                    return last;
                }
            } catch (IOException e) {
                if (!lost) {
                    progress.note(
                            "lost the API's event stream (" + (e.getMessage() == null ? "connection closed" : e.getMessage())
                                    + "); trying again every "
                                    + RECONNECT.toSeconds() + " s, the build goes on meanwhile");
                    lost = true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw CliException.unreachable("interrupted while following build " + id);
            }
            pause();
        }
    }

    private void cancel(String id) {
        progress.note("interrupted: cancelling build " + id + " (Ctrl-C again to leave it running)");
        try {
            JsonNode view = api.cancel(id);
            progress.note("build " + id + " is " + view.path("state").asText());
        } catch (CliException e) {
            progress.note("could not cancel build " + id + ": " + e.getMessage());
        }
    }

    private static void pause() {
        try {
            Thread.sleep(RECONNECT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.unreachable("interrupted");
        }
    }
}
