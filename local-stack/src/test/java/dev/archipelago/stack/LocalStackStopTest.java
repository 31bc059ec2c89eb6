package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/run-local.sh stop} signals the PIDs the stack wrote down only while each still
 * names the process the stack started: a PID reused by an unrelated process (after a reboot, or
 * a long while) is left alone.
 */
class LocalStackStopTest {

    @Test
    void stopsAProcessThatStillIsTheOneItStartedAndLeavesAReusedPidAlone(@TempDir Path home) throws Exception {
        Process ours = new ProcessBuilder("sleep", "300").start();
        Process unrelated = new ProcessBuilder("sleep", "300").start();
        try {
            Instant ourStart = ours.toHandle().info().startInstant().orElseThrow();
            Instant someOtherStart = unrelated.toHandle().info().startInstant().orElseThrow().minus(Duration.ofDays(3));
            // the unrelated process has a PID the file names, but it started at another time than the one written down
            Files.writeString(home.resolve("stack.pids"), "build-dispatcher " + ours.pid() + " " + ourStart + "\n"
                    + "manifest-assembler " + unrelated.pid() + " " + someOtherStart + "\n"
                    + "arch-worker-amd64 " + unrelated.pid() + "\n");

            assertThat(LocalStack.running(home)).isTrue();
            assertThat(LocalStack.stopLeftRunning(home)).isEqualTo(1);

            await().atMost(Duration.ofSeconds(20)).until(() -> !ours.isAlive());
            assertThat(unrelated.isAlive()).as("a reused PID is not signalled").isTrue();
            assertThat(home.resolve("stack.pids")).doesNotExist();
            assertThat(LocalStack.running(home)).isFalse();
        } finally {
            ours.destroyForcibly();
            unrelated.destroyForcibly();
        }
    }
}
