package dev.archipelago.stack;

import static dev.archipelago.stack.SleepyApp.PLATFORMS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.infra.ScratchDatabase;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.infra.Tools;
import dev.archipelago.model.Platform;
import dev.archipelago.model.SafeText;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.stack.SleepyApp.Build;

/**
 * One fault at a time in the middle of a real two-platform build, every part a real process: the
 * build still reaches exactly one final state, with one index push when it succeeds, and no
 * request, result or outcome lost. Each test adds a row (fault, what happened, recovery time) to
 * {@code target/fault-results.md}, the source of docs/reliability.md. ({@code CrashRecoveryTest}
 * adds a dispatcher killed while the broker is down.)
 * The images are self-contained (FROM scratch with the platform's busybox), so the registry is
 * needed only for the pushes.
 */
class FaultInjectionTest {

    private static final Path RESULTS = Path.of("target", "fault-results.md");
    /** A push retry window of 20 s (not 10 min) for the registry outage tests. */
    private static final Map<String, String> SHORT_PUSH_WINDOW = Map.of("ARCHIPELAGO_WORKER_PUSH_RETRY_WINDOW", "20s");
    /** The short push window, and a short grace after a build's timeout for the hung worker's test. */
    @RegisterExtension
    static final RunningStack running = new RunningStack("archipelago-faults", LocalStack.Options.withEnvironment(Map.of(
            "arch-worker-amd64", SHORT_PUSH_WINDOW, "arch-worker-ppc64le", SHORT_PUSH_WINDOW,
            "manifest-assembler", Map.of("ARCHIPELAGO_ASSEMBLER_TIMEOUT_GRACE", "5s"))));

    @BeforeAll
    static void start() throws IOException {
        Files.createDirectories(RESULTS.getParent());
        Files.writeString(RESULTS, "| fault | what happened | recovery |\n|---|---|---|\n");
    }

    /** Whatever a failed test left stopped is started again, so that the next test meets a whole stack. */
    @AfterEach
    void everythingRunsAgain() {
        if (!running.stack().registry().isRunning()) {
            running.stack().registry().restart();
        }
        for (String service : List.of("kafka", "build-dispatcher", "manifest-assembler", "arch-worker-amd64",
                "arch-worker-ppc64le")) {
            if (!ProcessHandle.of(running.stack().pid(service)).map(ProcessHandle::isAlive).orElse(false)) {
                running.stack().restartService(service);
            }
        }
    }

    @Test
    void aDispatcherKilledRightAfterAnswering202StillFinishesTheBuild() {
        survives("dispatcher-kill", 4, 8, build -> {
            running.stack().killService("build-dispatcher");
            running.stack().restartService("build-dispatcher");
        }, "`kill -9` of the dispatcher right after its 202",
                "restarted; the outbox and the consumers took up where they were; SUCCEEDED, one index push");
    }

    @Test
    void aWorkerKilledDuringBuildahBuildRebuildsAfterItsRestart() {
        survives("worker-kill", 10, 4, build -> {
            await().atMost(Duration.ofMinutes(1)).until(() -> runsBuildah("arch-worker-amd64"));
            running.stack().killService("arch-worker-amd64");
            running.stack().restartService("arch-worker-amd64");
        }, "`kill -9` of the amd64 worker (and its buildah) during `buildah build`",
                "the unacknowledged request was delivered again after the restart and built from scratch; SUCCEEDED, one index push");
    }

    @Test
    void anAssemblerKilledBetweenTheFirstAndTheSecondResultPushesTheIndexOnce() {
        survives("assembler-kill", 2, 12, build -> {
            await().atMost(Duration.ofMinutes(2)).until(() -> assemblerHas(build.id(), Platform.LINUX_AMD64));
            running.stack().killService("manifest-assembler");
            await().atMost(Duration.ofMinutes(2))
                    .until(() -> "SUCCEEDED".equals(platformState(build.id(), Platform.LINUX_PPC64LE)));
            assertThat(running.api().build(build.id()).path("state").asText()).isEqualTo("ASSEMBLING");
            running.stack().restartService("manifest-assembler");
        }, "`kill -9` of the assembler between the first and the second result",
                "the first result was in its join table; the second was consumed after the restart; SUCCEEDED, one index push");
    }

    @Test
    void theBrokerStoppedFor20SecondsMidBuildComesBackWithItsData() {
        survives("broker-stop", 6, 6, build -> {
            awaitBuilding(build, Platform.LINUX_AMD64);
            running.stack().stopService("kafka");
            // the fault is the 20 s away; the dispatcher stays alive all through it
            await().pollInterval(Duration.ofSeconds(1)).during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(40))
                    .until(() -> running.stack().health("build-dispatcher", "live") == 200);
            running.stack().restartService("kafka");
        }, "Kafka broker stopped for 20 s mid-build, restarted with its data",
                "producers and consumers reconnected; results sent during the outage were retried; SUCCEEDED, one index push");
    }

    @Test
    void postgresRestartedMidBuildLosesNothing() {
        survives("postgres-restart", 6, 6, build -> {
            awaitBuilding(build, Platform.LINUX_AMD64);
            Process restart = new ProcessBuilder("pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart")
                    .redirectErrorStream(true).start();
            assertThat(restart.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(restart.exitValue()).as(new String(restart.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isZero();
        }, "PostgreSQL restarted mid-build (both services' database)",
                "connections were replaced; records that failed meanwhile were retried or redelivered; SUCCEEDED, one index push");
    }

    @Test
    void theRegistryDownDuringAWorkersPushButBackWithinTheRetryWindowSucceeds() {
        running.stack().registry().stop();
        survives("registry-blip", 3, 3, build -> {
            await().atMost(Duration.ofMinutes(2)).until(() -> running.stack().tail("arch-worker-amd64", 400).lines()
                    .anyMatch(line -> line.contains("push of") && line.contains(build.id())
                            && line.contains("failed (attempt 1")));
            running.stack().registry().restart();
        }, "registry down when a worker pushes, back within the retry window",
                "the push failed, was tried again after 1 s, 2 s, 4 s ... and went through; SUCCEEDED, one index push");
    }

    @Test
    void theRegistryDownLongerThanTheRetryWindowFailsThePlatformWithPushFailed() {
        try (ScratchGitRepository app = SleepyApp.create(2, 2)) {
            running.stack().registry().stop();
            Build build = SleepyApp.submit(running.stack(), running.api(), app, "faults", "registry-down", 600);
            Instant start = Instant.now();
            JsonNode end = running.api().follow(build.id(), Duration.ofMinutes(3), line -> {
            });
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("FAILED");
            // the build fails with the first platform that gives up; the other may still be retrying
            BuildEvidence evidence = BuildEvidence.of(running.stack(), build.id(), build.repository(), build.tag());
            List<Platform> gaveUp = PLATFORMS.stream().filter(p -> evidence.results().stream()
                    .anyMatch(r -> r.platform().equals(p) && r.type() == ArchBuildEvent.Type.FAILED)).toList();
            assertThat(gaveUp).as(evidence.results().toString()).isNotEmpty();
            for (Platform platform : gaveUp) {
                ArchBuildEvent failed = evidence.failedResult(platform);
                assertThat(failed.error().code()).isEqualTo(BuildErrorCode.PUSH_FAILED);
                assertThat(failed.error().message()).contains(running.stack().registryHost()).contains("push-retry-window");
            }
            assertThat(gaveUp).as("the build's error names the platform that gave up first: " + end.path("error"))
                    .anyMatch(
                            p -> end.path("error").path("message").asText().contains(p.ociName() + " failed with PUSH_FAILED"));
            for (JsonNode platform : end.path("platforms")) {
                assertThat(platform.path("state").asText()).as(platform.toString()).isNotEqualTo("SUCCEEDED");
            }
            assertThat(end.path("index").path("digest").isMissingNode() || end.path("index").path("digest").isNull())
                    .as("no index: " + end).isTrue();
            assertThat(evidence.indexPuts()).isZero();
            row("registry down for longer than the push retry window (20 s here, 10 min by default)",
                    "the first platform to give up FAILED with PUSH_FAILED naming the registry, and with it the build; no index",
                    start);
        }
    }

    @Test
    void theRegistryDownWhenTheAssemblerPushesTheIndexIsPushedOnceItIsBack() {
        running.stack().killService("manifest-assembler");
        survives("index-outage", 2, 2, build -> {
            await().atMost(Duration.ofMinutes(3))
                    .until(() -> PLATFORMS.stream().allMatch(p -> "SUCCEEDED".equals(platformState(build.id(), p))));
            running.stack().registry().stop();
            running.stack().restartService("manifest-assembler");
            // the assembler tried, failed and waits for the registry: its readiness says so
            await().atMost(Duration.ofMinutes(1)).until(() -> running.stack().health("manifest-assembler", "ready") == 503);
            assertThat(running.api().build(build.id()).path("state").asText()).isEqualTo("ASSEMBLING");
            running.stack().registry().restart();
        }, "registry down when the assembler pushes the index",
                "the build stayed ASSEMBLING; the sweeper tried again and pushed the index once the registry was back; SUCCEEDED, one index push");
    }

    @Test
    void aWorkerThatNeverAnswersFailsTheBuildWithTimeoutNamingItsPlatform() throws Exception {
        try (ScratchGitRepository app = SleepyApp.create(2, 20)) {
            Build build = SleepyApp.submit(running.stack(), running.api(), app, "faults", "worker-hang", 60);
            awaitBuilding(build, Platform.LINUX_PPC64LE);
            long pid = running.stack().pid("arch-worker-ppc64le");
            signal("STOP", pid);
            Instant start = Instant.now();
            try {
                JsonNode end = running.api().follow(build.id(), Duration.ofMinutes(3), line -> {
                });
                assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("FAILED");
                assertThat(end.path("error").path("code").asText()).isEqualTo("TIMEOUT");
                assertThat(end.path("error").path("message").asText()).contains("linux/ppc64le");
                JsonNode ppc = platformView(end, Platform.LINUX_PPC64LE);
                assertThat(ppc.path("error").path("code").asText()).as(ppc.toString()).isEqualTo("TIMEOUT");
                row("ppc64le worker stopped (`SIGSTOP`) mid-build, timeout 60 s",
                        "the assembler failed the build with TIMEOUT naming linux/ppc64le at the deadline (timeout + grace); no index",
                        start);
            } finally {
                signal("CONT", pid);
            }
            // the resumed worker finds its build past its deadline and publishes that: the record is seen, and changes nothing
            await().atMost(Duration.ofMinutes(2)).until(() -> BuildEvidence
                    .of(running.stack(), build.id(), build.repository(), build.tag())
                    .results().stream()
                    .anyMatch(r -> r.platform().equals(Platform.LINUX_PPC64LE) && r.type() != ArchBuildEvent.Type.STARTED));
            JsonNode after = running.api().build(build.id());
            assertThat(after.path("state").asText()).as("a late result changes nothing").isEqualTo("FAILED");
            assertThat(BuildEvidence.indexPuts(running.stack(), build.repository(), build.tag())).isZero();
        }
    }

    @Test
    void aFailingBuildWhoseOutputHoldsNulBytesInvalidUtf8AndA10MbLineEndsFailedWithAReadableBoundedTail() {
        try (ScratchGitRepository app = ScratchGitRepository.create()) {
            for (Platform platform : PLATFORMS) {
                app.copy(Tools.busybox(platform), "busybox-" + platform.architecture());
            }
            // one line of 10 MB, then NUL bytes, bytes that are not UTF-8, a last readable line and a failure
            app.write("Dockerfile",
                    """
                            FROM scratch
                            ARG TARGETARCH
                            COPY busybox-${TARGETARCH} /bin/busybox
                            RUN ["/bin/busybox", "ln", "-s", "/bin/busybox", "/bin/sh"]
                            RUN /bin/busybox head -c 10485760 /dev/zero | /bin/busybox tr '\\000' x; printf '\\nbefore\\000after\\n'; printf 'bad \\303\\050 \\377 utf8\\n'; printf 'the last line\\n'; exit 3
                            """)
                    .commit("noisy");
            Instant start = Instant.now();
            Build build = SleepyApp.submit(running.stack(), running.api(), app, "faults", "noisy", 600);
            assertThat(running.api().follow(build.id(), Duration.ofMinutes(4), line -> {
            }).path("state").asText()).isEqualTo("FAILED");
            // the build fails with its first platform; the other's result follows
            await().atMost(Duration.ofMinutes(3))
                    .until(() -> PLATFORMS.stream().allMatch(p -> "FAILED".equals(platformState(build.id(), p))));
            JsonNode end = running.api().build(build.id());
            for (Platform platform : PLATFORMS) {
                JsonNode error = platformView(end, platform).path("error");
                assertThat(error.path("code").asText()).as(error.toString()).isEqualTo("BUILD_FAILED");
                List<String> tail = new ArrayList<>();
                error.path("logTail").forEach(line -> tail.add(line.asText()));
                assertThat(tail).as("a tail of %s", platform).isNotEmpty().hasSizeLessThanOrEqualTo(SafeText.MAX_LINES);
                assertThat(tail).allMatch(line -> line.length() <= SafeText.MAX_LINE + 40, "each line bounded")
                        .noneMatch(line -> line.chars().anyMatch(c -> c < 0x20 && c != '\t'));
                assertThat(String.join("\n", tail)).contains("the last line").contains(" more characters]")
                        .contains("before\uFFFDafter").contains("bad \uFFFD( \uFFFD utf8");
                assertThat(BuildEvidence.of(running.stack(), build.id(), build.repository(), build.tag()).failedResult(platform)
                        .error().logTail()).as("the event carries the same bounded tail").isEqualTo(tail);
            }
            row("a failing build printing NUL bytes, invalid UTF-8 and a 10 MB line",
                    "FAILED with BUILD_FAILED and a readable tail (control characters replaced, lines cut to 2000 characters)",
                    start);
        }
    }

    // --- helpers ------------------------------------------------------------------------------

    /** What a test does to the stack while its build runs. */
    private interface Fault {
        void inject(Build build) throws Exception;
    }

    /**
     * Submits a build whose platforms sleep the given seconds, injects the fault, and asserts that
     * the build still succeeds with one index push; the row's recovery time starts when the fault
     * is over.
     */
    private static void survives(String name, int amd64Seconds, int ppc64leSeconds, Fault fault, String what, String happened) {
        try (ScratchGitRepository app = SleepyApp.create(amd64Seconds, ppc64leSeconds)) {
            Build build = SleepyApp.submit(running.stack(), running.api(), app, "faults", name, 600);
            fault.inject(build);
            Instant recovered = Instant.now();
            JsonNode end = running.api().follow(build.id(), Duration.ofMinutes(4), line -> {
            });
            BuildEvidence.of(running.stack(), build.id(), build.repository(), build.tag()).assertSucceededOnce(end, PLATFORMS);
            row(what, happened, recovered);
        } catch (Exception e) {
            throw new AssertionError(name + ": " + e, e);
        }
    }

    private static JsonNode platformView(JsonNode build, Platform platform) {
        for (JsonNode p : build.path("platforms")) {
            if (platform.ociName().equals(p.path("platform").asText())) {
                return p;
            }
        }
        throw new AssertionError("no " + platform + " in " + build);
    }

    private static void awaitBuilding(Build build, Platform platform) {
        await().atMost(Duration.ofMinutes(2)).until(() -> "BUILDING".equals(platformState(build.id(), platform)));
    }

    private static String platformState(String id, Platform platform) {
        return platformView(running.api().build(id), platform).path("state").asText();
    }

    /** Whether the assembler has committed a platform's SUCCEEDED result to its join table. */
    private static boolean assemblerHas(String buildId, Platform platform) throws Exception {
        try (Connection c = DriverManager.getConnection(running.stack().databaseUrl("manifest-assembler"), ScratchDatabase.USER,
                ScratchDatabase.PASSWORD);
                PreparedStatement st = c.prepareStatement(
                        "SELECT count(*) FROM assembly_results WHERE build_id = ? AND platform = ? AND state = 'SUCCEEDED'")) {
            st.setString(1, buildId);
            st.setString(2, platform.ociName());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 1;
            }
        }
    }

    private static boolean runsBuildah(String service) {
        return ProcessHandle.of(running.stack().pid(service)).stream().flatMap(ProcessHandle::descendants)
                .anyMatch(p -> p.info().commandLine().orElse("").contains("buildah")
                        && p.info().commandLine().orElse("").contains(" build"));
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    private static void row(String fault, String happened, Instant from) {
        long millis = Duration.between(from, Instant.now()).toMillis();
        String line = "| " + fault + " | " + happened + " | " + String.format("%.1f s", millis / 1000.0) + " |\n";
        System.out.print("fault result: " + line);
        try {
            Files.writeString(RESULTS, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
