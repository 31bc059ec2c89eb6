package dev.archipelago.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.stack.LocalStack;
import dev.archipelago.stack.StackClient;
import dev.archipelago.testsupport.KafkaTestClient;

/**
 * Builds from concurrent clients against the whole stack, the benchmark's harness answering for
 * the workers (both platforms' results of a build at once): every build reaches one final state
 * (one outcome, one index push). With one assembler, 500 builds from 20 clients, and reads of the
 * API stay under 1 s at the 99th percentile while it happens. With two assembler replicas (one
 * consumer group over three partitions, each replica's sweeper also claiming the other's READY
 * builds), 100 builds from 10 clients: both replicas join and assemble, and still each build is
 * pushed and ends once.
 */
class LoadTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fiveHundredBuildsFromTwentyClientsEachEndOnceWhileReadsStayUnderOneSecond() throws Exception {
        Sample reads = load(1, 20, 25);
        assertThat(reads.percentile(99)).as("p99 of API reads during the load, ms").isLessThan(1000);
    }

    @Test
    void twoAssemblerReplicasPushEachBuildsIndexOnceAndEndItOnce() throws Exception {
        load(2, 10, 10);
    }

    /** Runs the load against a stack with this many assemblers; returns the latencies of the API reads made meanwhile. */
    private Sample load(int assemblers, int clients, int buildsPerClient) throws Exception {
        int builds = clients * buildsPerClient;
        Path repoRoot = Path.of(System.getProperty("archipelago.repo.root", "..")).toAbsolutePath().normalize();
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (LocalStack stack = LocalStack.start(repoRoot, Files.createTempDirectory("archipelago-load"),
                LocalStack.Ports.free(), System.out::println, LocalStack.Options.PLAIN.withAssemblerReplicas(assemblers))) {
            stack.pushBaseImage();
            Map<Platform, LoadHarness.Child> children = new LinkedHashMap<>();
            for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE)) {
                HttpResponse<byte[]> manifest = stack.registry().get(
                        "/v2/base/busybox/manifests/stable-" + platform.tagSafeName(),
                        MediaTypes.OCI_MANIFEST);
                assertThat(manifest.statusCode()).isEqualTo(200);
                children.put(platform,
                        new LoadHarness.Child(manifest.headers().firstValue("Docker-Content-Digest").orElseThrow(),
                                MediaTypes.OCI_MANIFEST, manifest.body().length));
            }
            stack.killService("arch-worker-amd64");
            stack.killService("arch-worker-ppc64le");
            StackClient api = stack.api();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            List<String> accepted = Collections.synchronizedList(new ArrayList<>());
            List<String> refusals = Collections.synchronizedList(new ArrayList<>());
            List<Long> reads = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean loading = new AtomicBoolean(true);
            long started;
            long submittedAll;
            try (LoadHarness harness = new LoadHarness("127.0.0.1:" + stack.ports().kafka(), children);
                    ScratchGitRepository app = ScratchGitRepository.create()) {
                app.write("Dockerfile", "FROM scratch\n").commit("load");
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> http.send(api.authorized(stack.dispatcher().resolve("/api/workers")).build(),
                                HttpResponse.BodyHandlers.ofString()).body().contains("bench-harness-ppc64le"));
                ExecutorService pool = Executors.newFixedThreadPool(clients + 4);
                List<Future<?>> readers = new ArrayList<>();
                for (int r = 0; r < 4; r++) {
                    readers.add(pool.submit(() -> {
                        while (loading.get()) {
                            String path = accepted.isEmpty() || ThreadLocalRandom.current().nextBoolean()
                                    ? "/api/builds?limit=50"
                                    : "/api/builds/" + accepted.get(ThreadLocalRandom.current().nextInt(accepted.size()));
                            long before = System.nanoTime();
                            HttpResponse<String> response = http.send(api.authorized(stack.dispatcher().resolve(path))
                                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                            reads.add((System.nanoTime() - before) / 1_000_000);
                            assertThat(response.statusCode()).as(path).isEqualTo(200);
                        }
                        return null;
                    }));
                }
                started = System.currentTimeMillis();
                List<Future<?>> submitters = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    int client = c;
                    submitters.add(pool.submit(() -> {
                        for (int b = 0; b < buildsPerClient; b++) {
                            String tag = "load-" + run + "-" + client + "-" + b;
                            try {
                                accepted.add(api
                                        .submit("""
                                                {"source": {"git": "%s", "ref": "main"}, "image": {"repository": "%s/base/busybox", "tag": "%s",
                                                   "supplyChain": {"provenance": false, "sbom": false, "signatures": false}},
                                                 "platforms": ["linux/amd64", "linux/ppc64le"]}"""
                                                .formatted(app.url(), stack.registryHost(), tag)));
                            } catch (LocalStack.StackException e) {
                                refusals.add(e.getMessage());
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> submitter : submitters) {
                    submitter.get(5, TimeUnit.MINUTES);
                }
                submittedAll = System.currentTimeMillis();
                Set<String> unfinished = ConcurrentHashMap.newKeySet();
                unfinished.addAll(accepted);
                Set<String> finalStates = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    List<String> some = unfinished.stream().limit(50).toList();
                    some.stream().filter(id -> finalStates.contains(api.build(id).path("state").asText()))
                            .forEach(unfinished::remove);
                    return unfinished.isEmpty();
                });
                loading.set(false);
                for (Future<?> reader : readers) {
                    reader.get(1, TimeUnit.MINUTES);
                }
                pool.shutdown();
            }
            long finished = System.currentTimeMillis();

            assertThat(refusals).as("refused submissions").isEmpty();
            assertThat(accepted).hasSize(builds).doesNotHaveDuplicates();
            Map<String, String> states = accepted.stream()
                    .collect(Collectors.toMap(id -> id, id -> api.build(id).path("state").asText()));
            assertThat(states.values()).as("final states").containsOnly("SUCCEEDED");
            try (KafkaTestClient kafka = new KafkaTestClient("127.0.0.1:" + stack.ports().kafka())) {
                Set<String> ids = Set.copyOf(accepted);
                Map<String, List<String>> outcomes = kafka.readUntilEnd(Topics.OUTCOMES, r -> ids.contains(r.key())).stream()
                        .collect(Collectors.groupingBy(KafkaTestClient.Received::key,
                                Collectors.mapping(r -> JSON.valueToTree(parse(r.value())).path("type").asText(),
                                        Collectors.toList())));
                assertThat(outcomes).as("builds with an outcome").hasSize(ids.size());
                assertThat(outcomes.values()).as("each build ends once: one outcome record, INDEX_PUSHED")
                        .allSatisfy(types -> assertThat(types).containsExactly("INDEX_PUSHED"));
            }
            Map<String, Long> indexPuts = stack.registry().logLines().stream()
                    .filter(line -> line.contains("\"PUT /v2/base/busybox/manifests/load-" + run + "-"))
                    .map(line -> line.substring(line.indexOf("/manifests/") + "/manifests/".length()).split(" ")[0])
                    .collect(Collectors.groupingBy(tag -> tag, Collectors.counting()));
            assertThat(indexPuts).as("tags with an index").hasSize(builds);
            assertThat(indexPuts.values()).as("index pushes per build").containsOnly(1L);
            Map<String, Long> assembledBy = new LinkedHashMap<>();
            for (int replica = 1; replica <= assemblers; replica++) {
                String name = replica == 1 ? "manifest-assembler" : "manifest-assembler-" + replica;
                try (var lines = Files.lines(stack.home().resolve("logs").resolve(name + ".log"))) {
                    assembledBy.put(name,
                            lines.filter(l -> l.contains(": index sha256:") && l.contains(" pushed to ")).count());
                }
            }
            System.out.println("load: indexes pushed by each assembler: " + assembledBy);
            assertThat(assembledBy.values()).as("every assembler assembled builds").allMatch(n -> n > 0);
            assertThat(assembledBy.values().stream().mapToLong(Long::longValue).sum()).as("indexes pushed").isEqualTo(builds);

            Sample latency = Sample.of(new ArrayList<>(reads));
            System.out.printf(
                    "load: %d builds from %d clients, %d assembler(s), submitted in %.1f s, all final after %.1f s; %d reads "
                            + "during the load: p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                    accepted.size(), clients, assemblers, (submittedAll - started) / 1000.0,
                    (finished - started) / 1000.0, reads.size(), latency.median(), latency.percentile(99),
                    latency.percentile(100));
            assertThat(reads.size()).as("reads during the load").isGreaterThan(100);
            return latency;
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
