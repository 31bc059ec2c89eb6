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
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.Platform;
import dev.archipelago.stack.SleepyApp.Build;

/**
 * Outages of minutes, not seconds, with real two-platform builds in flight and every part a
 * process: PostgreSQL (a server of the stack's own), the broker, the registry during a worker's
 * push and during the index push, and PostgreSQL and the broker together. Each time: no service
 * is restarted (same PIDs), liveness stays UP all through the outage while readiness goes DOWN
 * where the part is needed, the builds in flight end SUCCEEDED with exactly one index PUT, every
 * service's {@code /q/health} is UP again within 30 s of the part's return, and a build submitted
 * afterwards succeeds. Each test adds a row to {@code target/outage-results.md}, the source of
 * docs/reliability.md. It runs beside the module's other test classes (its stack shares nothing with
 * theirs): most of its time is spent waiting.
 */
@Execution(ExecutionMode.CONCURRENT)
class LongOutageTest {

    // The class runs beside the others; its own tests run one after the other on its one stack (each
    // test method says so: a method inherits the class's mode otherwise).

    /** How long each part stays away: 3 minutes ({@code -Darchipelago.outage=PT75S} for a quicker local try). */
    private static final Duration OUTAGE = Duration.parse(System.getProperty("archipelago.outage", "PT3M"));
    private static final Duration HEALTHY_AGAIN_WITHIN = Duration.ofSeconds(30);
    /** The health checks that notice a part gone (the broker's, the connection pool's) answer within this. */
    private static final Duration NOTICED_WITHIN = Duration.ofSeconds(60);
    private static final Path RESULTS = Path.of("target", "outage-results.md");
    private static final List<String> DATABASE_USERS = List.of("build-dispatcher", "manifest-assembler");

    @RegisterExtension
    static final RunningStack running = new RunningStack("archipelago-outages",
            LocalStack.Options.PLAIN.withOwnDatabaseServer());

    @BeforeAll
    static void start() throws IOException {
        Files.createDirectories(RESULTS.getParent());
        Files.writeString(RESULTS, "| part away for " + OUTAGE.toSeconds() + " s | what happened | health UP after its return "
                + "| builds ended after its return |\n|---|---|---|---|\n");
    }

    /**
     * Whatever a failed test left away comes back, and the next test waits for a whole stack: every
     * service ready and every worker live (a failure of one test is not blamed on the next).
     */
    @AfterEach
    void everythingRunsAgain() {
        if (!running.stack().registry().isRunning()) {
            running.stack().registry().restart();
        }
        if (!running.stack().postgres().isRunning()) {
            running.stack().postgres().startAgain();
        }
        if (!ProcessHandle.of(running.stack().pid("kafka")).map(ProcessHandle::isAlive).orElse(false)) {
            running.stack().restartService("kafka");
        }
        awaitWholeStack();
    }

    /** Every service ready and a live worker for every platform, as a user would wait before submitting. */
    private static void awaitWholeStack() {
        await().atMost(Duration.ofMinutes(2))
                .until(() -> running.stack().serviceNames().stream().allMatch(s -> running.stack().health(s, "ready") == 200)
                        && PLATFORMS.stream().allMatch(p -> {
                            for (JsonNode worker : running.api().workers()) {
                                if (worker.path("platform").asText().equals(p.ociName()) && worker.path("live").asBoolean()) {
                                    return true;
                                }
                            }
                            return false;
                        }));
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void postgresDownForMinutesMidBuildLosesNothingAndStopsNothing() {
        try (ScratchGitRepository app = SleepyApp.create(6, 6)) {
            Build build = SleepyApp.submit(running.stack(), running.api(), app, "outages", "postgres", 900);
            awaitBuilding(build, Platform.LINUX_AMD64);
            survive("PostgreSQL (both services' database)", DATABASE_USERS,
                    () -> running.stack().postgres().stop(), () -> running.stack().postgres().startAgain(), List.of(build),
                    "consumers waited with their records unacknowledged and readiness DOWN; SUCCEEDED, one index push");
        }
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void theBrokerDownForMinutesMidBuildLosesNothingAndStopsNothing() {
        try (ScratchGitRepository app = SleepyApp.create(6, 6)) {
            Build build = SleepyApp.submit(running.stack(), running.api(), app, "outages", "broker", 900);
            awaitBuilding(build, Platform.LINUX_AMD64);
            survive("the Kafka broker", running.stack().serviceNames(), () -> running.stack().stopService("kafka"),
                    () -> running.stack().restartService("kafka"),
                    List.of(build), "results and outcomes were published again until acknowledged; SUCCEEDED, one index push");
        }
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void postgresAndTheBrokerDownTogetherLoseNothingAndStopNothing() {
        try (ScratchGitRepository app = SleepyApp.create(6, 6)) {
            Build build = SleepyApp.submit(running.stack(), running.api(), app, "outages", "both", 900);
            awaitBuilding(build, Platform.LINUX_AMD64);
            survive("PostgreSQL and the Kafka broker together", running.stack().serviceNames(), () -> {
                running.stack().postgres().stop();
                running.stack().stopService("kafka");
            }, () -> {
                running.stack().restartService("kafka");
                running.stack().postgres().startAgain();
            }, List.of(build), "both waited out; SUCCEEDED, one index push");
        }
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void theRegistryDownForMinutesDuringAWorkersPushAndDuringTheIndexPushPushesBothOnce() throws Exception {
        try (ScratchGitRepository fast = SleepyApp.create(1, 1); ScratchGitRepository slow = SleepyApp.create(5, 5)) {
            // the assembler is held (SIGSTOP, not a restart) until the registry is gone, so that the first
            // build's index push meets the outage; the second build's workers push during it
            long assembler = running.stack().pid("manifest-assembler");
            signal("STOP", assembler);
            Build atIndexPush;
            Build atWorkerPush;
            try {
                atIndexPush = SleepyApp.submit(running.stack(), running.api(), fast, "outages", "index-push", 900);
                await().atMost(Duration.ofMinutes(3)).until(() -> PLATFORMS.stream()
                        .allMatch(p -> "SUCCEEDED".equals(platformState(atIndexPush.id(), p))));
                atWorkerPush = SleepyApp.submit(running.stack(), running.api(), slow, "outages", "worker-push", 900);
                awaitBuilding(atWorkerPush, Platform.LINUX_AMD64);
                running.stack().registry().stop();
            } finally {
                signal("CONT", assembler);
            }
            survive("the registry, during a worker's push and during the index push", List.of("manifest-assembler"),
                    () -> {
                    }, () -> running.stack().registry().restart(), List.of(atIndexPush, atWorkerPush),
                    "the index push and the workers' pushes were tried again until the registry answered; both builds "
                            + "SUCCEEDED, one index push each");
        }
    }

    // --- the outage ------------------------------------------------------------------------

    /**
     * Takes a part away for {@link #OUTAGE}, checks the services through it and after it, and
     * the builds that were in flight.
     *
     * @param needing the services whose readiness must go DOWN while the part is away
     */
    private static void survive(String part, List<String> needing, Runnable down, Runnable up, List<Build> inFlight,
            String happened) {
        Map<String, Long> pids = new LinkedHashMap<>();
        running.stack().serviceNames().forEach(name -> pids.put(name, running.stack().pid(name)));
        Instant away = Instant.now();
        down.run();
        // readiness DOWN where the part is needed; liveness UP everywhere, for the whole outage
        await().atMost(NOTICED_WITHIN).until(() -> needing.stream().allMatch(s -> running.stack().health(s, "ready") != 200));
        Duration rest = OUTAGE.minus(Duration.between(away, Instant.now()));
        await().pollInterval(Duration.ofSeconds(2)).during(rest).atMost(rest.plusSeconds(30))
                .until(() -> running.stack().serviceNames().stream()
                        .allMatch(s -> running.stack().health(s, "live") == 200));
        up.run();
        Instant back = Instant.now();

        await().atMost(HEALTHY_AGAIN_WITHIN).until(() -> running.stack().serviceNames().stream()
                .allMatch(s -> running.stack().health(s, "live") == 200 && running.stack().health(s, "ready") == 200));
        Duration healthy = Duration.between(back, Instant.now());

        for (Build build : inFlight) {
            JsonNode end = running.api().follow(build.id(), Duration.ofMinutes(5), line -> {
            });
            BuildEvidence.of(running.stack(), build.id(), build.repository(), build.tag()).assertSucceededOnce(end, PLATFORMS);
        }
        Duration ended = Duration.between(back, Instant.now());
        pids.forEach((name, pid) -> assertThat(running.stack().pid(name)).as(name + " was not restarted").isEqualTo(pid));
        pids.forEach(
                (name, pid) -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as(name + " runs").contains(true));

        // a worker starved of CPU by a test beside this one can miss its heartbeats for a moment, and
        // the dispatcher then refuses new builds for its platform (409): wait for it as a user would
        awaitWholeStack();
        try (ScratchGitRepository after = SleepyApp.create(1, 1)) {
            Build next = SleepyApp.submit(running.stack(), running.api(), after, "outages", "after", 600);
            JsonNode end = running.api().follow(next.id(), Duration.ofMinutes(3), line -> {
            });
            BuildEvidence.of(running.stack(), next.id(), next.repository(), next.tag()).assertSucceededOnce(end, PLATFORMS);
        }
        row(part, happened, healthy, ended);
    }

    private static void awaitBuilding(Build build, Platform platform) {
        await().atMost(Duration.ofMinutes(2)).until(() -> "BUILDING".equals(platformState(build.id(), platform)));
    }

    private static String platformState(String id, Platform platform) {
        for (JsonNode p : running.api().build(id).path("platforms")) {
            if (platform.ociName().equals(p.path("platform").asText())) {
                return p.path("state").asText();
            }
        }
        return null;
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    private static void row(String part, String happened, Duration healthy, Duration ended) {
        String line = String.format("| %s | %s | %.1f s | %.1f s |%n", part, happened, healthy.toMillis() / 1000.0,
                ended.toMillis() / 1000.0);
        System.out.print("outage result: " + line);
        try {
            Files.writeString(RESULTS, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
