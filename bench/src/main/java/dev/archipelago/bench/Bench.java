package dev.archipelago.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.infra.Processes;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.infra.Tools;
import dev.archipelago.model.Platform;
import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.BuildOutcome;
import dev.archipelago.stack.DebianJavaBase;
import dev.archipelago.stack.LocalStack;

/**
 * The benchmark: starts the local stack (every service as its own process against the real
 * broker, PostgreSQL, registry and buildah), runs the scenarios of docs/benchmarks.md and prints
 * a Markdown table; every figure is a median over repeated runs with min and max, and every
 * comparison a ratio to a baseline run in the same invocation on the same registry.
 *
 * <p>
 * Usage: {@code Bench [--quick] [--out FILE]}; run by {@code scripts/bench.sh}.
 */
public final class Bench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean quick;
    private final boolean onlyRealSized;
    private final int runs;
    /** Repetitions in scenario 9 of the builds that take seconds: unchanged content, one file changed. */
    private final int realRuns;
    /**
     * Repetitions in scenario 9 of the runs that take most of a minute (the baseline, the tutorial's flags, cold,
     * base present): 3, so that the benchmark stays within 20 minutes; 1 in a quick run.
     */
    private final int slowRuns;
    private final Path repoRoot;
    private final Report report = new Report();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Instant deadline;
    private LocalStack stack;
    private EventLog events;
    private String base;
    private Path work;

    private Bench(boolean quick, boolean onlyRealSized, Path repoRoot) {
        this.quick = quick;
        this.onlyRealSized = onlyRealSized;
        this.runs = quick ? 3 : 5;
        this.realRuns = quick ? 1 : 5;
        this.slowRuns = quick ? 1 : 3;
        this.repoRoot = repoRoot;
        this.deadline = Instant.now().plus(TIME_BOUND.get(quick));
    }

    /** How long a run may take: 20 minutes, 4 with --quick (the stack's start and stop included). */
    private static final Map<Boolean, Duration> TIME_BOUND = Map.of(false, Duration.ofMinutes(19), true,
            Duration.ofMinutes(3).plusSeconds(30));

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        boolean onlyRealSized = List.of(args).contains("--only-real-sized");
        Path repoRoot = Path.of(System.getProperty("archipelago.repo.root", ".")).toAbsolutePath().normalize();
        Path out = repoRoot.resolve("docs/benchmarks.md");
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--out")) {
                out = Path.of(args[i + 1]).toAbsolutePath();
            }
        }
        Instant started = Instant.now();
        Bench bench = new Bench(quick, onlyRealSized, repoRoot);
        String table;
        try {
            table = bench.run();
        } finally {
            bench.close();
        }
        String document = bench.document(table, Duration.between(started, Instant.now()));
        System.out.println();
        System.out.println(table);
        Files.writeString(out, document);
        System.out.println("written to " + out);
    }

    private String run() throws Exception {
        work = Files.createTempDirectory("archipelago-bench");
        say("starting the local stack");
        stack = LocalStack.start(repoRoot, work.resolve("stack"), LocalStack.Ports.free(), line -> say("  " + line));
        Map<String, Long> idle = memory("VmRSS");
        base = stack.pushBaseImage();
        events = new EventLog("127.0.0.1:" + stack.ports().kafka());
        if (onlyRealSized) {
            try (ScratchGitRepository app = ScratchGitRepository.create()) {
                app.write("Dockerfile", "ARG BASE\nFROM ${BASE}\nRUN echo warm-up > /etc/warm-up\n").commit("warm-up");
                realSized(new App(app, REPOSITORY, base));
            }
            return report.markdown();
        }

        try (ScratchGitRepository app = ScratchGitRepository.create()) {
            app.write("hello.sh", "#!/bin/sh\necho \"Hello from $(uname -m)\"\n").write("seed", "0\n")
                    .write("Dockerfile",
                            """
                                    ARG BASE
                                    FROM ${BASE}
                                    COPY seed /etc/seed
                                    RUN mkdir -p /opt && head -c 4194304 /dev/urandom > /opt/payload && echo "built on $(uname -m)" > /etc/built-on
                                    COPY hello.sh /usr/local/bin/hello
                                    """)
                    .commit("app");

            App small = new App(app, REPOSITORY, base);
            Sample tutorial = tutorialCommands(small, false, runs, "1 pipeline vs commands",
                    "baseline: the tutorial's commands (vfs, --no-cache, fresh storage each run), start to index pushed");
            pipelineWithTutorialFlags(small, small, tutorial, "1 pipeline vs commands", runs);
            app.write("seed", "warm-up " + System.nanoTime() + "\n").commit("warm-up");
            archipelago(small, "defaults-warmup");
            List<Built> cold = new ArrayList<>();
            List<Built> warm = new ArrayList<>();
            List<Built> changed = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                app.write("seed", "cold " + i + " " + System.nanoTime() + "\n").commit("new source " + i);
                cold.add(archipelago(small, "cold-" + i));
            }
            for (int i = 0; i < runs; i++) {
                warm.add(archipelago(small, "warm-" + i));
            }
            // the same warm builds with nothing attached (no provenance, SBOM or signature), as the baselines attach nothing
            List<Built> bare = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                bare.add(archipelago(small, "bare-" + i, false));
            }
            for (int i = 0; i < runs; i++) {
                app.write("hello.sh", "#!/bin/sh\necho \"Hello " + i + " from $(uname -m)\"\n").commit("one file changed " + i);
                changed.add(archipelago(small, "changed-" + i));
            }
            Sample coldE2e = Sample.of(cold.stream().map(Built::endToEndMs).toList());
            report.add(new Report.Row("1 pipeline vs commands", "defaults, cold (new source): POST to index readable", "ms",
                    coldE2e, tutorial, "<= 0.5x", coldE2e.median() / tutorial.median() <= 0.5));
            Sample warmE2e = Sample.of(warm.stream().map(Built::endToEndMs).toList());
            report.add(new Report.Row("1 pipeline vs commands",
                    "defaults, warm (unchanged source, new tag: the workers reuse the images of its build key)", "ms",
                    warmE2e, tutorial, "<= 0.1x", warmE2e.median() / tutorial.median() <= 0.1));

            List<Built> all = Stream.of(cold, warm, changed).flatMap(List::stream).toList();
            Sample bareAssembly = assemblyLatency(bare, cold.get(cold.size() - 1));
            Sample attachedAssembly = Sample.of(all.stream().map(b -> b.readableAt() - events.lastSucceeded(b.id())).toList());
            report.add(new Report.Row("8 supply chain",
                    "last SUCCEEDED to index readable with provenance, SBOMs and signatures "
                            + "(cold, warm, changed; baseline: the same with none, row 2)",
                    "ms", attachedAssembly, bareAssembly, null, null));
            Sample bareE2e = Sample.of(bare.stream().map(Built::endToEndMs).toList());
            report.add(
                    new Report.Row("8 supply chain", "warm build end to end with provenance, SBOMs and signatures (baseline: "
                            + "the same build with none)", "ms", warmE2e, bareE2e, null, null));
            Sample dispatch = Sample.of(all.stream().map(b -> events.firstStarted(b.id()) - b.acceptedAt()).toList());
            report.add(
                    new Report.Row("3 dispatch latency", "202 to the first worker's STARTED", "ms", dispatch, null, "<= 50 ms",
                            dispatch.median() <= 50));

            report.add(new Report.Row("5 warm rebuild", "unchanged source: time", "ms", warmE2e, coldE2e, "<= 0.1x",
                    warmE2e.median() / coldE2e.median() <= 0.1));
            Sample changedE2e = Sample.of(changed.stream().map(Built::endToEndMs).toList());
            report.note(String.format(Locale.ROOT,
                    "Scenario 5, where a warm build's time goes (medians of the slower platform, "
                            + "as its worker measured): fetch %.0f ms, build %.0f ms, verify %.0f ms, push and read-back %.0f ms; "
                            + "end to end %.0f ms.",
                    stage(warm, ArchBuildEvent.Durations::fetchMs), stage(warm, ArchBuildEvent.Durations::buildMs),
                    stage(warm, ArchBuildEvent.Durations::verifyMs), stage(warm, ArchBuildEvent.Durations::pushMs),
                    warmE2e.median()));
            report.add(new Report.Row("5 warm rebuild", "one file changed in the last layer: time", "ms", changedE2e, coldE2e,
                    "<= 0.3x",
                    changedE2e.median() / coldE2e.median() <= 0.3));
            Sample coldBytes = Sample.of(cold.stream().map(b -> b.storedBytes() / 1024.0).toList());
            Sample warmBytes = Sample.of(warm.stream().map(b -> b.storedBytes() / 1024.0).toList());
            Sample changedBytes = Sample.of(changed.stream().map(b -> b.storedBytes() / 1024.0).toList());
            report.add(new Report.Row("5 warm rebuild", "unchanged source: bytes the registry stored", "KB", warmBytes,
                    coldBytes, "<= 0.1x",
                    warmBytes.median() / coldBytes.median() <= 0.1));
            report.add(new Report.Row("5 warm rebuild", "one file changed: bytes the registry stored", "KB", changedBytes,
                    coldBytes,
                    "<= 0.3x", changedBytes.median() / coldBytes.median() <= 0.3));
            // counted on the builds with nothing attached: the attachments' own small blobs (provenance, SBOM, signature
            // payloads) are new with every build, and row 8 shows what they cost
            Sample warmUploads = Sample.of(bare.stream().map(Built::blobUploads).toList());
            report.add(new Report.Row("5 warm rebuild",
                    "unchanged source, nothing attached: blob uploads, both platforms (each build's "
                            + "image config is new: it carries the build id)",
                    "", warmUploads, null, "<= 2: no layer the registry has is sent again",
                    warmUploads.max() <= 2));
            Sample attachedUploads = Sample.of(warm.stream().map(Built::blobUploads).toList());
            report.add(new Report.Row("8 supply chain",
                    "unchanged source with provenance, SBOMs and signatures: blob uploads (the "
                            + "image configs, then the statements, SBOMs and signature payloads and configs)",
                    "", attachedUploads, null, null, null));

            cli(small);

            Map<String, Long> peakBuilding = memory("VmHWM");
            if (!quick) {
                // each of its runs takes seconds to a minute: a quick run leaves it out (--only-real-sized runs it alone)
                realSized(small);
            }
            throughput(cold.get(cold.size() - 1));
            Map<String, Long> peak = memory("VmHWM");
            for (String service : idle.keySet()) {
                report.add(new Report.Row("6 memory", service + ": RSS idle, after start", "MB",
                        Sample.of(List.of(idle.get(service) / 1024.0)),
                        null, "<= 250 MB", idle.get(service) / 1024.0 <= 250));
                boolean worker = service.startsWith("arch-worker");
                long after = worker ? peakBuilding.get(service) : peak.get(service);
                report.add(new Report.Row("6 memory",
                        service + ": peak RSS " + (worker ? "over scenarios 1-5 (it is stopped for 4)"
                                : "by the end of scenario 4"),
                        "MB", Sample.of(List.of(after / 1024.0)), null, "<= 250 MB", after / 1024.0 <= 250));
            }
        }
        return report.markdown();
    }

    /** The median of one stage's duration for the slower platform of each build. */
    private double stage(List<Built> builds, ToLongFunction<ArchBuildEvent.Durations> stage) {
        return Sample.of(builds.stream().map(b -> events.results(b.id()).stream()
                .filter(t -> t.event().type() == ArchBuildEvent.Type.SUCCEEDED)
                .max(Comparator.comparingLong(t -> t.event().durations().totalMs())).orElseThrow().event().durations())
                .map(stage::applyAsLong).toList()).median();
    }

    /** An app to build: its git repository, the repository its images go to, and the base its FROM names. */
    private record App(ScratchGitRepository git, String repository, String base) {
    }

    /** One Archipelago build, measured. */
    private record Built(String id, long acceptedAt, long endToEndMs, long readableAt, long storedBytes, long blobUploads) {
    }

    private static final String REPOSITORY = "bench/app";

    /** POST to index readable at the registry, with what the registry stored and how many blobs were uploaded meanwhile. */
    private Built archipelago(App app, String tag) throws Exception {
        return archipelago(app, tag, true);
    }

    /** One build; {@code attach} false turns provenance, SBOMs and signatures off for it. */
    private Built archipelago(App app, String tag, boolean attach) throws Exception {
        checkTime();
        long bytesBefore = registryBytes();
        int logBefore = stack.registry().logLines().size();
        long start = System.currentTimeMillis();
        HttpResponse<String> response = http.send(stack.api().authorized(stack.dispatcher().resolve("/api/builds"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request(app, app.git().head(), tag, attach)))
                .build(), HttpResponse.BodyHandlers.ofString());
        long accepted = System.currentTimeMillis();
        if (response.statusCode() != 202) {
            throw new IllegalStateException("the dispatcher refused a benchmark build: " + response.body());
        }
        String id = JSON.readTree(response.body()).path("id").asText();
        long readable = awaitIndex(app.repository(), tag, id, Duration.ofMinutes(10));
        awaitOutcome(id);
        List<String> log = stack.registry().logLines();
        long uploads = log.subList(Math.min(logBefore, log.size()), log.size()).stream()
                .filter(l -> l.contains("\"PUT /v2/") && l.contains("/blobs/uploads/")).count();
        Built built = new Built(id, accepted, readable - start, readable, registryBytes() - bytesBefore, uploads);
        say(String.format("  %-10s %6d ms end to end, %7.1f KB stored, %d blob uploads", tag, built.endToEndMs(),
                built.storedBytes() / 1024.0, uploads));
        return built;
    }

    private String request(App app, String commit, String tag, boolean attach) {
        return """
                {"source": {"git": "%s", "ref": "%s"},
                 "image": {"repository": "%s/%s", "tag": "%s"%s},
                 "platforms": ["linux/amd64", "linux/ppc64le"], "allowEmulation": true,
                 "buildArgs": {"BASE": "%s"}, "timeoutSeconds": 900}""".formatted(app.git().url(), commit, stack.registryHost(),
                app.repository(), tag,
                attach ? "" : ", \"supplyChain\": {\"provenance\": false, \"sbom\": false, \"signatures\": false}",
                app.base());
    }

    /**
     * When the index was pushed: once the build's outcome is on its topic, the completion time of the
     * index tag's PUT in the registry's own log (nanosecond timestamps, the same clock). Nothing polls
     * the registry, so detection takes no CPU from the two cores the stack shares.
     */
    private long awaitIndex(String repository, String tag, String buildId, Duration timeout) throws Exception {
        Instant end = Instant.now().plus(timeout);
        String uri = "http.request.uri=/v2/" + repository + "/manifests/" + tag + " ";
        while (Instant.now().isBefore(end)) {
            if (events.results(buildId).stream().anyMatch(t -> t.event().type() == ArchBuildEvent.Type.FAILED)) {
                throw new IllegalStateException("benchmark build " + buildId + " failed: " + events.results(buildId));
            }
            if (!events.outcomes(buildId).isEmpty()) {
                for (String line : stack.registry().logLines()) {
                    if (line.contains("msg=\"response completed\"") && line.contains("http.request.method=PUT")
                            && line.contains(uri) && line.contains("http.response.status=201")) {
                        return Instant.parse(line.substring(line.indexOf("time=\"") + 6, line.indexOf("Z\"") + 1))
                                .toEpochMilli();
                    }
                }
                throw new IllegalStateException("build " + buildId + " has an outcome but the registry logged no PUT of "
                        + repository + ":" + tag + ": " + events.outcomes(buildId));
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no index " + repository + ":" + tag + " after " + timeout);
    }

    private void awaitOutcome(String buildId) throws InterruptedException {
        Instant end = Instant.now().plusSeconds(30);
        while (events.outcomes(buildId).isEmpty() && Instant.now().isBefore(end)) {
            Thread.sleep(5);
        }
    }

    // --- scenario 1 ---------------------------------------------------------------------------

    /**
     * The tutorial's commands: two builds with --storage-driver vfs --no-cache in parallel, two pushes, manifest
     * create/add/add/push. With {@code prePulled} each platform's storage is kept between runs and holds the base,
     * pulled once before the first run and not counted (as a worker's storage holds it after its first build);
     * otherwise every run starts from empty storage and pulls the base.
     */
    private Sample tutorialCommands(App app, boolean prePulled, int n, String scenario, String row) throws Exception {
        say(scenario + " baseline: the tutorial's commands" + (prePulled ? ", the base pulled once beforehand" : ""));
        List<Long> times = new ArrayList<>();
        Map<Platform, Path> kept = new LinkedHashMap<>();
        if (prePulled) {
            List<CompletableFuture<Void>> pulls = new ArrayList<>();
            for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE)) {
                Path root = scratch("tutorial-kept-" + platform.tagSafeName());
                pulls.add(CompletableFuture.runAsync(
                        () -> buildah(root, "pull", "--tls-verify=false", "--platform", platform.ociName(), app.base())));
                kept.put(platform, root);
            }
            pulls.forEach(CompletableFuture::join);
        }
        String target = stack.registryHost() + "/" + app.repository() + "-tutorial";
        for (int i = 0; i < n; i++) {
            checkTime();
            String tag = target + ":run-" + i;
            long start = System.currentTimeMillis();
            List<CompletableFuture<Path>> builds = new ArrayList<>();
            for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE)) {
                builds.add(CompletableFuture.supplyAsync(() -> {
                    Path root = prePulled ? kept.get(platform) : scratch("tutorial-" + platform.tagSafeName());
                    String local = "localhost/tutorial:" + platform.tagSafeName();
                    buildah(root, "build", "--no-cache", "--isolation", "chroot", "--tls-verify=false", "--platform",
                            platform.ociName(),
                            "--build-arg", "BASE=" + app.base(), "-t", local, app.git().directory().toString());
                    buildah(root, "push", "--tls-verify=false", local, "docker://" + tag + "-" + platform.tagSafeName());
                    return root;
                }));
            }
            Path root = builds.get(0).join();
            builds.get(1).join();
            String list = "localhost/tutorial-list-" + i;
            buildah(root, "manifest", "create", list);
            for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE)) {
                buildah(root, "manifest", "add", "--tls-verify=false", list, "docker://" + tag + "-" + platform.tagSafeName());
            }
            buildah(root, "manifest", "push", "--all", "--tls-verify=false", list, "docker://" + tag);
            times.add(System.currentTimeMillis() - start);
            say("  run " + i + ": " + times.get(times.size() - 1) + " ms");
            if (prePulled) {
                // not counted: what the run built goes, the base stays
                buildah(root, "manifest", "rm", list);
                for (var entry : kept.entrySet()) {
                    buildah(entry.getValue(), "rmi", "localhost/tutorial:" + entry.getKey().tagSafeName());
                }
            } else {
                builds.forEach(b -> delete(b.join()));
            }
        }
        kept.values().forEach(Bench::delete);
        Sample sample = Sample.of(times);
        report.add(new Report.Row(scenario, row, "ms", sample, null, "", null));
        return sample;
    }

    /** Archipelago with the workers set to the tutorial's builder flags: vfs storage, no layer cache. */
    /**
     * Archipelago with the workers set to the tutorial's builder flags: vfs storage, no layer cache. Each
     * worker's new storage gets the app's base pulled into it before the worker starts (not counted), as the
     * baseline's storage has it; one build of {@code warmUp} is not counted either.
     */
    private List<Built> pipelineWithTutorialFlags(App app, App warmUp, Sample tutorial, String scenario, int n)
            throws Exception {
        say(scenario + ": Archipelago with the tutorial's builder flags (restarting the workers with vfs, no cache)");
        Map<String, Map<String, String>> original = new LinkedHashMap<>();
        Map<String, Map<String, String>> tutorialFlags = new LinkedHashMap<>();
        List<CompletableFuture<Void>> pulls = new ArrayList<>();
        for (String worker : WORKERS) {
            Map<String, String> env = stack.environment(worker);
            original.put(worker,
                    Map.of("ARCHIPELAGO_WORKER_STORAGE_DRIVER", env.getOrDefault("ARCHIPELAGO_WORKER_STORAGE_DRIVER", "auto"),
                            "ARCHIPELAGO_WORKER_LAYER_CACHE", env.getOrDefault("ARCHIPELAGO_WORKER_LAYER_CACHE", "true"),
                            "ARCHIPELAGO_WORKER_STORAGE_ROOT", env.get("ARCHIPELAGO_WORKER_STORAGE_ROOT"),
                            "ARCHIPELAGO_WORKER_RUN_ROOT", env.get("ARCHIPELAGO_WORKER_RUN_ROOT")));
            Path vfs = scratch(worker + "-vfs");
            pulls.add(CompletableFuture.runAsync(() -> buildah(vfs, "pull", "--tls-verify=false", "--platform",
                    (worker.endsWith("amd64") ? Platform.LINUX_AMD64 : Platform.LINUX_PPC64LE).ociName(), app.base())));
            tutorialFlags.put(worker,
                    Map.of("ARCHIPELAGO_WORKER_STORAGE_DRIVER", "vfs", "ARCHIPELAGO_WORKER_LAYER_CACHE", "false",
                            "ARCHIPELAGO_WORKER_STORAGE_ROOT", vfs.resolve("storage").toString(),
                            "ARCHIPELAGO_WORKER_RUN_ROOT", vfs.resolve("run").toString()));
        }
        pulls.forEach(CompletableFuture::join);
        stack.reconfigure(tutorialFlags);
        // not counted: the first build after a worker starts also pays its Kafka producer's start (about a second)
        // like the tutorial's commands, these attach nothing
        archipelago(warmUp, "tutflags-warmup-" + app.repository().replace('/', '-'), false);
        List<Built> builds = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            builds.add(archipelago(app, "tutflags-" + i, false));
        }
        stack.reconfigure(original);
        Sample e2e = Sample.of(builds.stream().map(Built::endToEndMs).toList());
        report.add(new Report.Row(scenario, "tutorial's flags, nothing attached: POST to index readable", "ms",
                e2e, tutorial, "<= 1.05x",
                e2e.median() / tutorial.median() <= 1.05));
        Sample overhead = Sample.of(builds.stream().map(b -> b.endToEndMs() - events.slowestPlatformMs(b.id())).toList());
        report.note(String.format(Locale.ROOT, "Scenario " + scenario.split(" ")[0]
                + ", tutorial's flags, where the time goes (medians): POST to the first "
                + "STARTED %.0f ms; the slowest platform's fetch+build+verify+push %.0f ms; its SUCCEEDED to the index readable %.0f ms; "
                + "end to end %.0f ms (the difference is the worker's own start and publish around the measured stages).",
                Sample.of(builds.stream().map(b -> events.firstStarted(b.id()) - b.acceptedAt()).toList()).median(),
                Sample.of(builds.stream().map(b -> events.slowestPlatformMs(b.id())).toList()).median(),
                Sample.of(builds.stream().map(b -> b.readableAt() - events.lastSucceeded(b.id())).toList()).median(),
                Sample.of(builds.stream().map(Built::endToEndMs).toList()).median()));
        report.add(
                new Report.Row(scenario,
                        "tutorial's flags: orchestration overhead (end to end minus the slowest "
                                + "platform's fetch+build+verify+push)",
                        "ms", overhead, null, "<= 150 ms", overhead.median() <= 150));
        Sample overTutorial = Sample.of(builds.stream().map(b -> b.endToEndMs() - tutorial.median()).toList());
        report.add(new Report.Row(scenario,
                "tutorial's flags: orchestration overhead (end to end minus the median of the tutorial's commands)",
                "ms", overTutorial, null, "<= 150 ms", overTutorial.median() <= 150));
        return builds;
    }

    // --- scenario 7 ---------------------------------------------------------------------------

    /**
     * The CLI building a directory against the same content built through the REST API from git,
     * each time with a new seed (so neither reuses the other's layers), and the context upload for
     * the example app and for a 50 MB context.
     */
    private void cli(App small) throws Exception {
        ScratchGitRepository app = small.git();
        say("scenario 7: archipelago build of a directory against POST /api/builds of a git commit");
        Path directory = scratch("cli-app");
        for (String file : List.of("Dockerfile", "hello.sh")) {
            Files.copy(app.directory().resolve(file), directory.resolve(file));
        }
        List<Long> viaRest = new ArrayList<>();
        List<Long> viaCli = new ArrayList<>();
        List<Long> uploads = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            app.write("seed", "rest " + i + " " + System.nanoTime() + "\n").commit("rest " + i);
            viaRest.add(archipelago(small, "rest-" + i).endToEndMs());
            Files.writeString(directory.resolve("seed"), "cli " + i + " " + System.nanoTime() + "\n");
            long start = System.currentTimeMillis();
            JsonNode context = runCli("cli-" + i, directory, false);
            long took = System.currentTimeMillis() - start;
            uploads.add(context.path("packMillis").asLong() + context.path("pushMillis").asLong());
            viaCli.add(took);
            say(String.format("  %-10s %6d ms, command to exit 0 (context packed and pushed in %d ms)", "cli-" + i, took,
                    uploads.get(i)));
        }
        Sample rest = Sample.of(viaRest);
        report.add(new Report.Row("7 CLI",
                "`archipelago build DIR`: command to exit 0, index pushed (JVM start, pack, push, submit, "
                        + "follow); baseline: the same build by POST from git",
                "ms", Sample.of(viaCli), rest, "<= 1.2x",
                Sample.of(viaCli).median() / rest.median() <= 1.2));
        report.add(new Report.Row("7 CLI", "context upload of the example app (3 files): pack + push; baseline: the REST build",
                "ms", Sample.of(uploads), rest, "<= 0.1x", Sample.of(uploads).median() / rest.median() <= 0.1));
        Path big = scratch("cli-big");
        Files.copy(directory.resolve("Dockerfile"), big.resolve("Dockerfile"));
        Files.copy(directory.resolve("hello.sh"), big.resolve("hello.sh"));
        byte[] random = new byte[50 * 1024 * 1024];
        List<Long> bigUploads = new ArrayList<>();
        for (int i = 0; i < Math.max(3, runs / 2); i++) {
            new Random(i).nextBytes(random);
            Files.write(big.resolve("seed"), random);
            JsonNode context = runCli("big-" + i, big, true);
            bigUploads.add(context.path("packMillis").asLong() + context.path("pushMillis").asLong());
        }
        report.add(
                new Report.Row("7 CLI", "context upload of 50 MB of incompressible data: pack + push; baseline: the REST build",
                        "ms", Sample.of(bigUploads), rest, "", null));
        report.note(String.format(Locale.ROOT, "Scenario 7: the CLI's context upload runs at %.0f MB/s for 50 MB "
                + "(gzip on one core, then one PUT to the registry on this machine).",
                50 * 1000.0 / Sample.of(bigUploads).median()));
    }

    /** Runs {@code archipelago build} on a directory; returns its {@code context} event. Detached builds are cancelled. */
    private JsonNode runCli(String tag, Path directory, boolean detach) throws Exception {
        checkTime();
        List<String> args = new ArrayList<>(List.of("build", "-t", stack.registryHost() + "/" + REPOSITORY + ":" + tag,
                "--allow-emulation", "--build-arg", "BASE=" + base, "--progress", "json"));
        if (detach) {
            args.add("--detach");
        }
        args.add(directory.toString());
        ProcessBuilder builder = new ProcessBuilder(stack.cli(args.toArray(String[]::new))).redirectErrorStream(true);
        builder.environment().putAll(stack.cliEnvironment());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("archipelago build of " + directory + " failed: " + output);
        }
        JsonNode context = null;
        for (String line : output.lines().toList()) {
            JsonNode event = JSON.readTree(line);
            if (event.path("event").asText().equals("context")) {
                context = event;
            }
            if (detach && event.path("event").asText().equals("submitted")) {
                stack.api().cancel(event.path("build").path("id").asText());
            }
        }
        if (context == null) {
            throw new IllegalStateException("no context event from the CLI: " + output);
        }
        return context;
    }

    // --- scenario 9 ---------------------------------------------------------------------------

    private static final List<String> WORKERS = List.of("arch-worker-amd64", "arch-worker-ppc64le");

    /**
     * A real-sized image: an app on Debian 12 with a Java runtime (about 550 MB unpacked per
     * platform, made once from Debian packages and cached) whose RUN step starts the JVM and
     * checksums its modules file, natively for amd64 and under QEMU for ppc64le. Against the
     * tutorial's commands with the base in their storage: the tutorial's flags, defaults cold
     * (empty worker storage), defaults with the base present, unchanged content in a new commit,
     * and one file changed. Nothing is attached, as the tutorial's commands attach nothing.
     */
    private void realSized(App small) throws Exception {
        say("scenario 9: a real-sized image on Debian 12 with a Java runtime");
        long pushStart = System.currentTimeMillis();
        String realBase = DebianJavaBase.push(repoRoot, stack.registryHost(),
                List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE), line -> say("  " + line));
        long pushMs = System.currentTimeMillis() - pushStart;
        try (ScratchGitRepository git = ScratchGitRepository.create()) {
            git.write("seed", "0\n").write("hello.sh", "#!/bin/sh\necho \"Hello from $(uname -m)\"\n")
                    .write("Dockerfile",
                            """
                                    ARG BASE
                                    FROM ${BASE}
                                    COPY seed /opt/app/seed
                                    RUN java -version > /opt/app/java-version 2>&1 && sha256sum /usr/lib/jvm/*/lib/modules > /opt/app/modules.sha256
                                    COPY hello.sh /usr/local/bin/hello
                                    """)
                    .commit("real-sized app");
            App app = new App(git, "bench/real", realBase);
            String scenario = "9 real-sized";
            Sample tutorial = tutorialCommands(app, true, slowRuns, scenario,
                    "baseline: the tutorial's commands (vfs, --no-cache; the base pulled into their storage once "
                            + "beforehand, not counted), start to index pushed");
            if (!quick) {
                pipelineWithTutorialFlags(app, small, tutorial, scenario, slowRuns);
            }

            List<Built> cold = new ArrayList<>();
            List<Path> storages = new ArrayList<>();
            // a quick run leaves out the tutorial's flags and the cold builds, each a minute or more per run
            for (int i = 0; i < (quick ? 0 : slowRuns); i++) {
                say(scenario + ": defaults, cold: on empty worker storage (the workers restart on a fresh one, not counted)");
                Map<String, Map<String, String>> fresh = new LinkedHashMap<>();
                for (String worker : WORKERS) {
                    Path storage = scratch(worker + "-cold-" + i);
                    fresh.put(worker, Map.of("ARCHIPELAGO_WORKER_STORAGE_ROOT", storage.resolve("storage").toString(),
                            "ARCHIPELAGO_WORKER_RUN_ROOT", storage.resolve("run").toString()));
                    storages.add(storage);
                }
                stack.reconfigure(fresh);
                // the storage of the run before is no longer any worker's
                while (storages.size() > WORKERS.size()) {
                    delete(storages.remove(0));
                }
                git.write("seed", "cold " + i + " " + System.nanoTime() + "\n").commit("cold " + i);
                cold.add(archipelago(app, "cold-" + i, false));
            }
            say(scenario + ": defaults, the base in the workers' storage, new source each run");
            List<Built> present = new ArrayList<>();
            for (int i = 0; i < slowRuns; i++) {
                git.write("seed", "present " + i + " " + System.nanoTime() + "\n").commit("present " + i);
                present.add(archipelago(app, "present-" + i, false));
            }
            say(scenario + ": unchanged content in a new commit each run");
            List<Built> unchanged = new ArrayList<>();
            for (int i = 0; i < realRuns; i++) {
                git.commit("nothing changed " + i);
                unchanged.add(archipelago(app, "unchanged-" + i, false));
            }
            say(scenario + ": one file changed (copied in the last step) each run");
            List<Built> changed = new ArrayList<>();
            for (int i = 0; i < realRuns; i++) {
                git.write("hello.sh", "#!/bin/sh\necho \"Hello " + i + " from $(uname -m)\"\n").commit("one file " + i);
                changed.add(archipelago(app, "changed-" + i, false));
            }

            if (!cold.isEmpty()) {
                Sample coldE2e = Sample.of(cold.stream().map(Built::endToEndMs).toList());
                report.add(new Report.Row(scenario, "defaults, cold: the workers' storage empty, so each pulls the base (the "
                        + "baseline had it beforehand): POST to index readable", "ms", coldE2e, tutorial, "<= 0.4x",
                        coldE2e.median() / tutorial.median() <= 0.4));
            }
            Sample presentE2e = Sample.of(present.stream().map(Built::endToEndMs).toList());
            report.add(new Report.Row(scenario, "defaults, the base in the workers' storage, new source (the RUN step runs "
                    + "again)", "ms", presentE2e, tutorial, "", null));
            Sample unchangedE2e = Sample.of(unchanged.stream().map(Built::endToEndMs).toList());
            report.add(new Report.Row(scenario, "defaults, unchanged content in a new commit (each platform reuses the image "
                    + "of its build key)", "ms", unchangedE2e, tutorial, "<= 0.02x",
                    unchangedE2e.median() / tutorial.median() <= 0.02));
            Sample uploads = Sample.of(unchanged.stream().map(Built::blobUploads).toList());
            report.add(new Report.Row(scenario, "unchanged content: blob uploads, both platforms", "", uploads, null,
                    "<= 2: only the new configs", uploads.max() <= 2));
            Sample changedE2e = Sample.of(changed.stream().map(Built::endToEndMs).toList());
            report.add(new Report.Row(scenario, "defaults, one file changed (the last layer)", "ms", changedE2e, tutorial,
                    "<= 0.15x", changedE2e.median() / tutorial.median() <= 0.15));
            for (var named : List.of(Map.entry("cold", cold), Map.entry("base present", present),
                    Map.entry("unchanged", unchanged), Map.entry("one file changed", changed))) {
                if (named.getValue().isEmpty()) {
                    continue;
                }
                report.note(String.format(Locale.ROOT, "Scenario 9, %s, where the time goes (medians of the slower platform, "
                        + "as its worker measured): fetch and build key %.0f ms, build %.0f ms, verify %.0f ms, push (or "
                        + "reuse) %.0f ms; its SUCCEEDED to the index readable %.0f ms; end to end %.0f ms.", named.getKey(),
                        stage(named.getValue(), ArchBuildEvent.Durations::fetchMs),
                        stage(named.getValue(), ArchBuildEvent.Durations::buildMs),
                        stage(named.getValue(), ArchBuildEvent.Durations::verifyMs),
                        stage(named.getValue(), ArchBuildEvent.Durations::pushMs),
                        Sample.of(named.getValue().stream().map(b -> b.readableAt() - events.lastSucceeded(b.id())).toList())
                                .median(),
                        Sample.of(named.getValue().stream().map(Built::endToEndMs).toList()).median()));
            }
            report.note(String.format(Locale.ROOT, "Scenario 9's base: Debian 12 with %s for linux/amd64 and linux/ppc64le, "
                    + "made once from Debian packages (scripts/debian-base.sh) and kept as an OCI layout in %s; copying it to "
                    + "the stack's registry took %.1f s (not counted).", String.join(", ", DebianJavaBase.PACKAGES),
                    Tools.cacheDirectory().resolve("bases"), pushMs / 1000.0));
        }
    }

    // --- scenario 2 ---------------------------------------------------------------------------

    private Sample assemblyLatency(List<Built> builds, Built last) throws Exception {
        Sample latency = Sample.of(builds.stream().map(b -> b.readableAt() - events.lastSucceeded(b.id())).toList());
        say("scenario 2 baseline: buildah manifest create + add + add + push of the same two images");
        List<Long> times = new ArrayList<>();
        Path root = scratch("manifest-baseline");
        for (int i = 0; i < runs; i++) {
            checkTime();
            String list = "localhost/assembly-" + i;
            long start = System.currentTimeMillis();
            buildah(root, "manifest", "create", list);
            for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE)) {
                String digest = events.results(last.id()).stream().filter(t -> t.event().type() == ArchBuildEvent.Type.SUCCEEDED
                        && t.event().platform().equals(platform)).findFirst().orElseThrow().event().artifact().digest();
                buildah(root, "manifest", "add", "--tls-verify=false", list,
                        "docker://" + stack.registryHost() + "/" + REPOSITORY + "@" + digest);
            }
            buildah(root, "manifest", "push", "--all", "--tls-verify=false", list,
                    "docker://" + stack.registryHost() + "/bench/assembly-baseline:run-" + i);
            times.add(System.currentTimeMillis() - start);
        }
        delete(root);
        report.add(new Report.Row("2 assembly latency",
                "last SUCCEEDED on the topic to index readable, nothing attached (baseline: "
                        + "buildah manifest create/add/add/push)",
                "ms", latency, Sample.of(times), "<= 30 ms and <= 0.25x",
                latency.median() <= 30 && latency.median() / Sample.of(times).median() <= 0.25));
        return latency;
    }

    // --- scenario 4 ---------------------------------------------------------------------------

    private void throughput(Built template) throws Exception {
        say("scenario 4: orchestration throughput; the workers stop and a harness answers for them");
        Map<Platform, LoadHarness.Child> children = new LinkedHashMap<>();
        for (var result : events.results(template.id())) {
            if (result.event().type() == ArchBuildEvent.Type.SUCCEEDED) {
                var artifact = result.event().artifact();
                children.put(result.event().platform(),
                        new LoadHarness.Child(artifact.digest(), artifact.mediaType(), artifact.size()));
            }
        }
        stack.killService("arch-worker-amd64");
        stack.killService("arch-worker-ppc64le");
        Map<String, Long> cpuBefore = cpuMillis();
        List<Integer> rates = quick ? List.of(10, 40) : List.of(10, 25, 50, 100, 150);
        Duration step = quick ? Duration.ofSeconds(5) : Duration.ofSeconds(10);
        AtomicInteger counter = new AtomicInteger();
        Map<String, Long> acceptedAt = new ConcurrentHashMap<>();
        AtomicInteger refused = new AtomicInteger();
        try (LoadHarness harness = new LoadHarness("127.0.0.1:" + stack.ports().kafka(), children)) {
            Thread.sleep(1500); // one heartbeat round so that the dispatcher sees both platforms live
            try (ScratchGitRepository app = ScratchGitRepository.create()) {
                app.write("Dockerfile", "FROM scratch\n").commit("load");
                App load = new App(app, REPOSITORY, base);
                String head = app.head();
                double best = 0;
                for (int rate : rates) {
                    checkTime();
                    List<String> ids = new ArrayList<>();
                    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
                    long first = System.currentTimeMillis();
                    var task = pacer.scheduleAtFixedRate(() -> {
                        String tag = "load-" + counter.incrementAndGet();
                        http.sendAsync(
                                stack.api().authorized(stack.dispatcher().resolve("/api/builds"))
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(request(load, head, tag, false)))
                                        .timeout(Duration.ofSeconds(30)).build(),
                                HttpResponse.BodyHandlers.ofString()).thenAccept(response -> {
                                    long now = System.currentTimeMillis();
                                    if (response.statusCode() != 202) {
                                        refused.incrementAndGet();
                                        return;
                                    }
                                    try {
                                        String id = JSON.readTree(response.body()).path("id").asText();
                                        acceptedAt.put(id, now);
                                        synchronized (ids) {
                                            ids.add(id);
                                        }
                                    } catch (IOException e) {
                                        refused.incrementAndGet();
                                    }
                                });
                    }, 0, 1_000_000_000L / rate, TimeUnit.NANOSECONDS);
                    Thread.sleep(step.toMillis());
                    task.cancel(false);
                    pacer.shutdown();
                    int submitted = counter.get();
                    Instant drain = Instant.now().plusSeconds(30);
                    List<String> snapshot;
                    while (true) {
                        synchronized (ids) {
                            snapshot = List.copyOf(ids);
                        }
                        boolean done = snapshot.stream().allMatch(id -> !events.outcomes(id).isEmpty());
                        if (done && acceptedAt.size() + refused.get() >= submitted || Instant.now().isAfter(drain)) {
                            break;
                        }
                        Thread.sleep(50);
                    }
                    List<Long> latencies = new ArrayList<>();
                    List<Long> relay = new ArrayList<>();
                    List<Long> answer = new ArrayList<>();
                    List<Long> assemble = new ArrayList<>();
                    long lastDone = first;
                    int completed = 0;
                    for (String id : snapshot) {
                        var outcome = events.outcomes(id).stream()
                                .filter(t -> t.event().type() == BuildOutcome.Type.INDEX_PUSHED).findFirst();
                        if (outcome.isPresent()) {
                            completed++;
                            latencies.add(outcome.get().timestamp() - acceptedAt.get(id));
                            lastDone = Math.max(lastDone, outcome.get().timestamp());
                            Long requested = harness.requestedAt(id);
                            long lastResult = events.lastSucceeded(id);
                            if (requested != null) {
                                relay.add(requested - acceptedAt.get(id));
                                answer.add(lastResult - requested);
                            }
                            assemble.add(outcome.get().timestamp() - lastResult);
                        }
                    }
                    if (!relay.isEmpty()) {
                        report.note(String.format(Locale.ROOT, "Scenario 4 at %d/s, where the time goes (medians): 202 to the "
                                + "request on its topic %.0f ms; request to the harness's last result %.0f ms; last result to the "
                                + "INDEX_PUSHED outcome %.0f ms.", rate, Sample.of(relay).median(), Sample.of(answer).median(),
                                Sample.of(assemble).median()));
                    }
                    double achieved = completed * 1000.0 / Math.max(1, lastDone - first);
                    Sample latency = latencies.isEmpty() ? Sample.of(List.of(Double.NaN)) : Sample.of(latencies);
                    double p99 = latency.percentile(99);
                    say(String.format(
                            "  offered %d/s: %d accepted, %d refused, %d indexes pushed, %.1f/s, p50 %.0f ms, p99 %.0f ms",
                            rate, snapshot.size(), refused.get(), completed, achieved, latency.median(), p99));
                    report.add(new Report.Row("4 throughput", "nothing attached; offered " + rate + " builds/s for "
                            + step.toSeconds() + " s: accept to index pushed "
                            + "(" + completed + "/" + snapshot.size() + " done, " + String.format(Locale.ROOT, "%.1f", achieved)
                            + " builds/s, p99 " + Report.format(p99, "ms") + ")", "ms", latency, null, "p99 <= 2 s",
                            p99 <= 2000 && completed == snapshot.size()));
                    if (p99 <= 2000 && completed == snapshot.size() && refused.get() == 0) {
                        best = Math.max(best, achieved);
                    } else {
                        break;
                    }
                }
                report.add(new Report.Row("4 throughput",
                        "nothing attached; sustained builds/s (2 platforms each) with p99 <= 2 s", "/s",
                        Sample.of(List.of(best)), null, ">= 100/s", best >= 100));
                Map<String, Long> cpuAfter = cpuMillis();
                int builds = acceptedAt.size();
                StringBuilder cpu = new StringBuilder(
                        "Scenario 4, CPU time per accepted build, by process (2 cores for everything): ");
                cpuAfter.forEach((name, ms) -> cpu.append(String.format(Locale.ROOT, "%s %.1f ms, ", name,
                        (ms - cpuBefore.getOrDefault(name, 0L)) / (double) Math.max(1, builds))));
                report.note(
                        cpu.substring(0, cpu.length() - 2) + " (PostgreSQL, shared by the machine, and the benchmark's own JVM "
                                + "with the harness are not counted).");
                exactlyOnce(acceptedAt.keySet());
                say("  the harness answered " + harness.answered() + " requests");
            }
        }
    }

    /** Every load build reached SUCCEEDED, and exactly one index-pushed outcome was published for each. */
    private void exactlyOnce(Set<String> ids) throws Exception {
        int succeeded = 0;
        int duplicates = 0;
        Instant end = Instant.now().plusSeconds(30); // the dispatcher's outcomes consumer may still be catching up
        for (String id : ids) {
            while (Instant.now().isBefore(end) && !state(id).equals("SUCCEEDED")) {
                Thread.sleep(100);
            }
            if (state(id).equals("SUCCEEDED")) {
                succeeded++;
            }
            if (events.outcomes(id).size() > 1) {
                duplicates++;
            }
        }
        report.note("Scenario 4: " + succeeded + " of " + ids.size() + " accepted builds are SUCCEEDED in the dispatcher; "
                + duplicates + " had more than one outcome record.");
    }

    private String state(String id) throws Exception {
        HttpResponse<String> build = http.send(stack.api().authorized(stack.dispatcher().resolve("/api/builds/" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode view = JSON.readTree(build.body());
        return view.path("state").asText();
    }

    // --- helpers ------------------------------------------------------------------------------

    /** User plus system CPU time of the stack's processes so far, in milliseconds (from /proc/<pid>/stat). */
    private Map<String, Long> cpuMillis() {
        Map<String, Long> ms = new LinkedHashMap<>();
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String service : List.of("build-dispatcher", "manifest-assembler", "kafka")) {
            pids.put(service, stack.pid(service));
        }
        pids.put("registry", stack.registry().pid());
        long tick = 10; // USER_HZ is 100 on Linux: one tick is 10 ms
        pids.forEach((name, pid) -> {
            try {
                String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ms.put(name, (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * tick);
            } catch (IOException | RuntimeException e) {
                ms.put(name, 0L);
            }
        });
        return ms;
    }

    /** The resident memory figure of each service, in KB, from /proc/<pid>/status. */
    private Map<String, Long> memory(String field) {
        Map<String, Long> kb = new LinkedHashMap<>();
        for (String service : List.of("build-dispatcher", "manifest-assembler", "arch-worker-amd64", "arch-worker-ppc64le")) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(stack.pid(service)), "status"))) {
                    if (line.startsWith(field + ":")) {
                        kb.put(service, Long.parseLong(line.replaceAll("[^0-9]", "")));
                    }
                }
            } catch (IOException e) {
                kb.put(service, -1L);
            }
        }
        return kb;
    }

    private long registryBytes() {
        try (Stream<Path> files = Files.walk(stack.home().resolve("registry"))) {
            return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".log"))
                    .mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void buildah(Path root, String... args) {
        List<String> command = new ArrayList<>(List.of(Tools.buildah().toString(), "--root", root.resolve("storage").toString(),
                "--runroot", root.resolve("run").toString(), "--storage-driver", "vfs"));
        command.addAll(List.of(args));
        Processes.run(Duration.ofMinutes(5), root, Map.of(), command).orThrow();
    }

    private Path scratch(String name) {
        try {
            return Files.createTempDirectory(work, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder
        }
    }

    private void checkTime() {
        if (Instant.now().isAfter(deadline)) {
            throw new IllegalStateException(
                    "the benchmark ran past its time bound (" + TIME_BOUND.get(quick).toSeconds() + " s); stopping");
        }
    }

    private void close() {
        if (events != null) {
            events.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (work != null) {
            delete(work);
        }
    }

    private String document(String table, Duration took) throws IOException, InterruptedException {
        String commit = Processes.run(Duration.ofSeconds(10), repoRoot, "git", "rev-parse", "--short", "HEAD").stdout().strip();
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown CPU");
        long memKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).orElse(0L);
        return """
                # Benchmarks

                Produced by `scripts/bench.sh%s` (%s run, %d repetitions per figure) on %s UTC, commit `%s`,
                in %d s. Machine: %d cores (%s), %.0f GiB, %s.

                Every figure is the median of repeated runs, with min and max; a ratio compares medians with
                the baseline measured in the same invocation, against the same registry. The stack is the
                local stack: broker, PostgreSQL, the distribution registry and every service as its own process
                on this one machine; linux/amd64 builds natively, linux/ppc64le under QEMU.

                %s
                How each figure is taken is written in `bench/src/main/java/dev/archipelago/bench/Bench.java`
                and summarised in the bench module's README.
                """.formatted(quick ? " --quick" : "", quick ? "quick" : "default", runs,
                DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").format(Instant.now().atOffset(ZoneOffset.UTC)), commit,
                took.toSeconds(), Runtime.getRuntime().availableProcessors(), cpu, memKb / 1024.0 / 1024.0,
                System.getProperty("os.name") + " " + System.getProperty("os.version"), table);
    }

    private static void say(String line) {
        System.out.println(line);
    }
}
