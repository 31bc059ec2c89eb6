package dev.archipelago.worker.job;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the child processes of one build: argument lists only (never a shell), output appended to
 * the build's log, bounded by the build's deadline, and stopped at once when the build is
 * cancelled. Killing takes the whole process tree (buildah's own children included).
 */
public final class JobProcess {

    /** Why a step stopped before its process finished on its own. */
    public static final class Stopped extends Exception {
        public final boolean timedOut;

        public Stopped(boolean timedOut, String message) {
            super(message);
            this.timedOut = timedOut;
        }
    }

    private final Path log;
    private final Instant deadline;
    private volatile boolean cancelled;
    private volatile Process current;

    public JobProcess(Path log, Instant deadline) {
        this.log = log;
        this.deadline = deadline;
    }

    /** Writes a line of the worker's own about the build into its log (what a step without a process did). */
    public void note(String line) throws IOException {
        Files.writeString(log, "# " + line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** Runs a step; returns its exit code, its output having gone to the log. */
    public int run(List<String> command, Path directory, Map<String, String> environment) throws Stopped, IOException {
        checkNotStopped();
        Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        builder.environment().putAll(environment);
        Process process = builder.start();
        current = process;
        try {
            while (!process.waitFor(200, TimeUnit.MILLISECONDS)) {
                if (cancelled || Instant.now().isAfter(deadline)) {
                    kill(process);
                    checkNotStopped();
                }
            }
            if (process.exitValue() != 0) {
                // a cancel from another thread kills the process; its failure is the cancel's, not the build's
                checkNotStopped();
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new Stopped(false, "interrupted");
        } finally {
            current = null;
        }
    }

    /** Runs a step and returns what it printed (not logged: used for JSON answers). */
    public String capture(List<String> command) throws Stopped, IOException {
        return capture(command, Map.of());
    }

    public String capture(List<String> command, Map<String, String> environment) throws Stopped, IOException {
        checkNotStopped();
        Path out = Files.createTempFile("capture", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            Process process = builder.start();
            current = process;
            while (!process.waitFor(200, TimeUnit.MILLISECONDS)) {
                if (cancelled || Instant.now().isAfter(deadline)) {
                    kill(process);
                    checkNotStopped();
                }
            }
            if (process.exitValue() != 0) {
                throw new IOException(
                        command.get(0) + " " + command.get(command.size() > 1 ? 1 : 0) + " exited " + process.exitValue());
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Stopped(false, "interrupted");
        } finally {
            current = null;
            Files.deleteIfExists(out);
        }
    }

    /** The size of the log now, to read what a later step adds with {@link #logSince(long)}. */
    public long logSize() {
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    public String logSince(long offset) {
        try (FileChannel channel = FileChannel.open(log)) {
            long size = channel.size();
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size - offset, 64 * 1024));
            channel.read(buffer, offset);
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** How much of the log's end {@link #tail(int)} reads: a log of any size, or one endless line, costs no more. */
    static final int TAIL_BYTES = 256 * 1024;

    /**
     * The last lines of the log, read from its last {@value #TAIL_BYTES} bytes. Bytes that are not
     * UTF-8 become U+FFFD; a line cut by that window starts with an ellipsis. The lines are made
     * safe for events by {@code ArchBuildEvent.Failure} (control characters, length).
     */
    public List<String> tail(int lines) {
        try (FileChannel channel = FileChannel.open(log)) {
            long size = channel.size();
            long from = Math.max(0, size - TAIL_BYTES);
            ByteBuffer buffer = ByteBuffer.allocate((int) (size - from));
            while (buffer.hasRemaining() && channel.read(buffer, from + buffer.position()) > 0) {
                // read until the window is full
            }
            List<String> all = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).lines().toList();
            if (from > 0 && !all.isEmpty()) {
                List<String> marked = new ArrayList<>(all);
                marked.set(0, "\u2026" + all.get(0));
                all = marked;
            }
            return List.copyOf(all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            return List.of("(the build log could not be read: " + e.getMessage() + ")");
        }
    }

    public void cancel() {
        cancelled = true;
        Process process = current;
        if (process != null) {
            kill(process);
        }
    }

    boolean isCancelled() {
        return cancelled;
    }

    public void checkNotStopped() throws Stopped {
        if (cancelled) {
            throw new Stopped(false, "the build was cancelled");
        }
        if (Instant.now().isAfter(deadline)) {
            throw new Stopped(true, "the build did not finish within its timeout");
        }
    }

    /**
     * Stops a step: SIGTERM first, so that buildah removes its working containers and mounts, then
     * SIGKILL for the whole tree if it has not ended within the grace period.
     */
    private static void kill(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            process.descendants().forEach(ProcessHandle::destroyForcibly);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
