package dev.archipelago.stack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.archipelago.model.Platform;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.GitFixture;
import dev.archipelago.testsupport.KafkaTestClient;
import dev.archipelago.testsupport.Tools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.archipelago.testsupport.TestDatabase;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

    private static final List<Platform> PLATFORMS = List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE);
    private static final Path RESULTS = Path.of("target", "fault-results.md");
    private static RunningStack running;
    private static LocalStack stack;
    private static StackClient api;

    @BeforeAll
    static void start() throws IOException {
        // a wider push retry window (1 + 4 + 9 + 16 s between five tries) for the registry outage test,
        // and a short grace after a build's timeout for the hung worker's
        Map<String, String> fivePushes = Map.of("ARCHIPELAGO_WORKER_PUSH_ATTEMPTS", "5");
        running = RunningStack.start("archipelago-faults", LocalStack.Options.withEnvironment(Map.of(
                "arch-worker-amd64", fivePushes, "arch-worker-ppc64le", fivePushes,
                "manifest-assembler", Map.of("ARCHIPELAGO_ASSEMBLER_TIMEOUT_GRACE", "5s"))));
        stack = running.stack();
        api = running.api();
        Files.createDirectories(RESULTS.getParent());
        Files.writeString(RESULTS, "| fault | what happened | recovery |\n|---|---|---|\n");
    }

    /** Whatever a failed test left stopped is started again, so that the next test meets a whole stack. */
    @AfterEach
    void everythingRunsAgain() {
        if (!stack.registry().isRunning()) {
            stack.registry().restart();
        }
        for (String service : List.of("kafka", "build-dispatcher", "manifest-assembler", "arch-worker-amd64", "arch-worker-ppc64le")) {
            if (!ProcessHandle.of(stack.pid(service)).map(ProcessHandle::isAlive).orElse(false)) {
                stack.restart(service);
            }
        }
    }

    @AfterAll
    static void stop() {
        if (running != null) {
            running.close();
        }
    }

    @Test
    void aDispatcherKilledRightAfterAnswering202StillFinishesTheBuild() {
        survives("dispatcher-kill", 4, 8, build -> {
            stack.kill("build-dispatcher");
            stack.restart("build-dispatcher");
        }, "`kill -9` of the dispatcher right after its 202",
                "restarted; the outbox and the consumers took up where they were; SUCCEEDED, one index push");
    }

    @Test
    void aWorkerKilledDuringBuildahBuildRebuildsAfterItsRestart() {
        survives("worker-kill", 10, 4, build -> {
            await().atMost(Duration.ofMinutes(1)).until(() -> runsBuildah("arch-worker-amd64"));
            stack.kill("arch-worker-amd64");
            stack.restart("arch-worker-amd64");
        }, "`kill -9` of the amd64 worker (and its buildah) during `buildah build`",
                "the unacknowledged request was delivered again after the restart and built from scratch; SUCCEEDED, one index push");
    }

    @Test
    void anAssemblerKilledBetweenTheFirstAndTheSecondResultPushesTheIndexOnce() {
        survives("assembler-kill", 2, 12, build -> {
            await().atMost(Duration.ofMinutes(2)).until(() -> assemblerHas(build.id, Platform.LINUX_AMD64));
            stack.kill("manifest-assembler");
            await().atMost(Duration.ofMinutes(2)).until(() -> "SUCCEEDED".equals(platformState(build.id, Platform.LINUX_PPC64LE)));
            assertThat(api.build(build.id).path("state").asText()).isEqualTo("ASSEMBLING");
            stack.restart("manifest-assembler");
        }, "`kill -9` of the assembler between the first and the second result",
                "the first result was in its join table; the second was consumed after the restart; SUCCEEDED, one index push");
    }

    @Test
    void theBrokerStoppedFor20SecondsMidBuildComesBackWithItsData() {
        survives("broker-stop", 6, 6, build -> {
            awaitBuilding(build, Platform.LINUX_AMD64);
            stack.stop("kafka");
            await().pollDelay(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(21)).until(() -> true);
            stack.restart("kafka");
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
            assertThat(restart.exitValue()).as(new String(restart.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        }, "PostgreSQL restarted mid-build (both services' database)",
                "connections were replaced; records that failed meanwhile were retried or redelivered; SUCCEEDED, one index push");
    }

    @Test
    void theRegistryDownDuringAWorkersPushButBackWithinTheRetryWindowSucceeds() {
        stack.registry().stop();
        survives("registry-blip", 3, 3, build -> {
            await().atMost(Duration.ofMinutes(2)).until(() -> stack.tail("arch-worker-amd64", 400).lines()
                    .anyMatch(line -> line.contains("push of") && line.contains(build.id) && line.contains("failed (attempt 1")));
            stack.registry().restart();
        }, "registry down when a worker pushes, back within the retry window",
                "the push failed, was tried again after 1 s, 4 s, ... and went through; SUCCEEDED, one index push");
    }

    @Test
    void theRegistryDownLongerThanTheRetryWindowFailsThePlatformWithPushFailed() {
        try (GitFixture app = app(2, 2)) {
            stack.registry().stop();
            Build build = submit(app, "registry-down", 600);
            Instant start = Instant.now();
            JsonNode end = api.follow(build.id, Duration.ofMinutes(3), line -> { });
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("FAILED");
            // the build fails with the first platform that gives up; the other may still be retrying
            List<JsonNode> failed = new java.util.ArrayList<>();
            for (JsonNode platform : end.path("platforms")) {
                assertThat(platform.path("state").asText()).as(platform.toString()).isNotEqualTo("SUCCEEDED");
                if ("FAILED".equals(platform.path("state").asText())) {
                    assertThat(platform.path("error").toString()).as(platform.toString()).contains("PUSH_FAILED");
                    failed.add(platform);
                }
            }
            assertThat(failed).as(end.toString()).isNotEmpty();
            assertThat(end.path("index").path("digest").isMissingNode() || end.path("index").path("digest").isNull())
                    .as("no index: " + end).isTrue();
            row("registry down for longer than the push retry window", "the first platform to give up FAILED with PUSH_FAILED after 5 tries, and with it the build; no index", start);
        }
    }

    @Test
    void theRegistryDownWhenTheAssemblerPushesTheIndexIsPushedOnceItIsBack() {
        stack.kill("manifest-assembler");
        survives("index-outage", 2, 2, build -> {
            await().atMost(Duration.ofMinutes(3)).until(() -> PLATFORMS.stream().allMatch(p -> "SUCCEEDED".equals(platformState(build.id, p))));
            stack.registry().stop();
            stack.restart("manifest-assembler");
            await().pollDelay(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(9)).until(() -> true);
            assertThat(api.build(build.id).path("state").asText()).isEqualTo("ASSEMBLING");
            stack.registry().restart();
        }, "registry down when the assembler pushes the index",
                "the build stayed ASSEMBLING; the sweeper tried again and pushed the index once the registry was back; SUCCEEDED, one index push");
    }

    @Test
    void aWorkerThatNeverAnswersFailsTheBuildWithTimeoutNamingItsPlatform() throws Exception {
        try (GitFixture app = app(2, 20)) {
            Build build = submit(app, "worker-hang", 60);
            awaitBuilding(build, Platform.LINUX_PPC64LE);
            long pid = stack.pid("arch-worker-ppc64le");
            signal("STOP", pid);
            Instant start = Instant.now();
            try {
                JsonNode end = api.follow(build.id, Duration.ofMinutes(3), line -> { });
                assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("FAILED");
                assertThat(end.toString()).contains("TIMEOUT").contains("linux/ppc64le");
                row("ppc64le worker stopped (`SIGSTOP`) mid-build, timeout 60 s", "the assembler failed the build with TIMEOUT naming linux/ppc64le at the deadline (timeout + grace); no index", start);
            } finally {
                signal("CONT", pid);
            }
            await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> true);
            assertThat(api.build(build.id).path("state").asText()).as("a late result changes nothing").isEqualTo("FAILED");
            assertThat(indexPuts(build)).isZero();
        }
    }

    // --- helpers ------------------------------------------------------------------------------

    private record Build(String id, String repository, String tag) {
    }

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
        try (GitFixture app = app(amd64Seconds, ppc64leSeconds)) {
            Build build = submit(app, name, 600);
            fault.inject(build);
            Instant recovered = Instant.now();
            JsonNode end = api.follow(build.id, Duration.ofMinutes(4), line -> { });
            assertSucceededOnce(build, end);
            row(what, happened, recovered);
        } catch (Exception e) {
            throw new AssertionError(name + ": " + e, e);
        }
    }

    /** A repository whose image needs no base from the registry; its RUN step sleeps per platform. */
    private static GitFixture app(int amd64Seconds, int ppc64leSeconds) {
        GitFixture git = GitFixture.create();
        for (Platform platform : PLATFORMS) {
            git.copy(Tools.busybox(platform), "busybox-" + platform.architecture());
        }
        git.write("Dockerfile", """
                FROM scratch
                ARG TARGETARCH
                COPY busybox-${TARGETARCH} /bin/busybox
                RUN ["/bin/busybox", "sh", "-c", "if [ \\"$(/bin/busybox uname -m)\\" = ppc64le ]; then /bin/busybox sleep %d; else /bin/busybox sleep %d; fi; /bin/busybox uname -m > /built-on"]
                CMD ["/bin/busybox", "cat", "/built-on"]
                """.formatted(ppc64leSeconds, amd64Seconds)).commit("app " + UUID.randomUUID());
        return git;
    }

    private static Build submit(GitFixture app, String name, int timeoutSeconds) {
        String tag = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        String repository = stack.registryHost() + "/faults/" + name;
        String id = api.submit("""
                {"source": {"git": "%s", "ref": "main"}, "image": {"repository": "%s", "tag": "%s"},
                 "platforms": ["linux/amd64", "linux/ppc64le"], "allowEmulation": true, "timeoutSeconds": %d}"""
                .formatted(app.url(), repository, tag, timeoutSeconds));
        return new Build(id, repository, tag);
    }

    private static void assertSucceededOnce(Build build, JsonNode end) {
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("SUCCEEDED");
        for (JsonNode platform : end.path("platforms")) {
            assertThat(platform.path("state").asText()).as(end.toString()).isEqualTo("SUCCEEDED");
        }
        assertThat(indexPuts(build)).as("index pushes of " + build).isEqualTo(1);
        try (KafkaTestClient kafka = new KafkaTestClient("127.0.0.1:" + stack.ports().kafka())) {
            for (Platform platform : PLATFORMS) {
                assertThat(kafka.readUntilEnd(Topics.requestsFor(platform), r -> build.id.equals(r.key())))
                        .as("requests of %s for %s", build.id, platform).isNotEmpty();
            }
            List<KafkaTestClient.Received> results = kafka.readUntilEnd(Topics.RESULTS, r -> build.id.equals(r.key()));
            for (Platform platform : PLATFORMS) {
                assertThat(results).as("results of %s", build.id)
                        .anyMatch(r -> r.value().contains("\"" + platform.ociName() + "\"") && r.value().contains("SUCCEEDED"));
            }
            assertThat(kafka.readUntilEnd(Topics.OUTCOMES, r -> build.id.equals(r.key()))).as("outcomes of %s", build.id)
                    .isNotEmpty().allMatch(r -> r.value().contains("INDEX_PUSHED"));
        }
    }

    private static long indexPuts(Build build) {
        String path = "/v2/" + build.repository.substring(build.repository.indexOf('/') + 1) + "/manifests/" + build.tag + " ";
        return stack.registry().logLines().stream().filter(line -> line.contains("\"PUT " + path)).count();
    }

    private static void awaitBuilding(Build build, Platform platform) {
        await().atMost(Duration.ofMinutes(2)).until(() -> "BUILDING".equals(platformState(build.id, platform)));
    }

    private static String platformState(String id, Platform platform) {
        for (JsonNode p : api.build(id).path("platforms")) {
            if (platform.ociName().equals(p.path("platform").asText())) {
                return p.path("state").asText();
            }
        }
        return null;
    }

    /** Whether the assembler has committed a platform's SUCCEEDED result to its join table. */
    private static boolean assemblerHas(String buildId, Platform platform) throws Exception {
        try (Connection c = DriverManager.getConnection(stack.databaseUrl("manifest-assembler"), TestDatabase.USER, TestDatabase.PASSWORD);
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
        return ProcessHandle.of(stack.pid(service)).stream().flatMap(ProcessHandle::descendants)
                .anyMatch(p -> p.info().commandLine().orElse("").contains("buildah") && p.info().commandLine().orElse("").contains(" build"));
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
