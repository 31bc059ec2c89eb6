package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.infra.FreePorts;
import dev.archipelago.infra.ScratchGitRepository;
import dev.archipelago.infra.Tools;
import dev.archipelago.model.MediaTypes;
import dev.archipelago.model.Platform;
import dev.archipelago.model.messaging.Topics;
import dev.archipelago.testsupport.KafkaTestClient;

/**
 * The whole system as processes, with a registry that wants credentials: poison on every topic a
 * service consumes, shell metacharacters in every request field a build accepts, and, last, a
 * search of every log file, every Kafka record and every API answer for the marker credentials
 * the stack was given.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityScenarioTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String REGISTRY_USER = "pusher";
    private static final String REGISTRY_PASSWORD = "registry-password-marker-" + RUN;
    private static final String WEBHOOK_TOKEN = "webhook-token-marker-" + RUN;
    private static final String GIT_PASSWORD = "git-password-marker-" + RUN;
    private static final String WRONG_BEARER = "bearer-marker-" + RUN;
    private static final Path PWNED = Path.of("/tmp/archipelago-pwned-" + RUN);

    private static LocalStack stack;
    private static StackClient api;
    private static final List<String> responses = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws IOException {
        stack = LocalStack.start(ServiceConfig.repoRoot(), Files.createTempDirectory("archipelago-security"),
                LocalStack.Ports.free(),
                System.out::println, new LocalStack.Options(REGISTRY_USER, REGISTRY_PASSWORD,
                        Map.of("build-dispatcher", Map.of("ARCHIPELAGO_DISPATCHER_WEBHOOKS_GITLAB_TOKEN", WEBHOOK_TOKEN)),
                        false));
        api = stack.api();
    }

    @AfterAll
    static void stop() throws IOException {
        if (stack != null) {
            stack.close();
        }
        Files.deleteIfExists(PWNED);
    }

    @Test
    @Order(1)
    void poisonOnEveryConsumedTopicGoesToTheDeadLetterQueueAndTheConsumersGoOn() {
        // topic -> the service/channel of each consumer (each sends its own dead letter, naming itself)
        Map<String, Set<String>> consumed = new LinkedHashMap<>();
        consumed.put(Topics.SUBMIT, Set.of("build-dispatcher/submissions-in"));
        consumed.put(Topics.RESULTS, Set.of("build-dispatcher/results-in", "manifest-assembler/results-in"));
        consumed.put(Topics.OUTCOMES, Set.of("build-dispatcher/outcomes-in"));
        consumed.put(Topics.HEARTBEATS, Set.of("build-dispatcher/heartbeats-in"));
        consumed.put(Topics.requestsFor(Platform.LINUX_AMD64), Set.of("arch-worker/requests-in"));
        consumed.put(Topics.requestsFor(Platform.LINUX_PPC64LE), Set.of("arch-worker/requests-in"));
        byte[] random = new byte[512];
        new Random(7).nextBytes(random);
        Map<String, Set<String>> expected = new LinkedHashMap<>();
        try (KafkaTestClient kafka = kafka()) {
            consumed.forEach((topic, consumers) -> {
                String bytesKey = "poison-bytes-" + RUN + "-" + topic;
                String schemaKey = "poison-schema-" + RUN + "-" + topic;
                String typeKey = "poison-type-" + RUN + "-" + topic;
                kafka.send(topic, bytesKey, random);
                kafka.send(topic, schemaKey,
                        "{\"schema\": 1, \"buildId\": \"" + UUID.randomUUID() + "\", \"unexpected\": true}");
                kafka.send(topic, typeKey, "[\"an array\", 1, null]");
                expected.put(bytesKey, consumers);
                expected.put(schemaKey, consumers);
                expected.put(typeKey, consumers);
            });
            // each consuming service sends its own dead letter, naming itself (a record redelivered after a rebalance
            // may be dead-lettered again by the same consumer: the set of consumers is what is exact)
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                List<KafkaTestClient.Received> dead = kafka.readUntilEnd(Topics.DLQ, r -> expected.containsKey(r.key()));
                expected.forEach((key, consumers) -> {
                    List<KafkaTestClient.Received> mine = dead.stream().filter(r -> key.equals(r.key())).toList();
                    assertThat(mine).as("dead letters of " + key)
                            .allSatisfy(r -> assertThat(r.header(Topics.DLQ_REASON_HEADER)).isNotBlank());
                    assertThat(mine.stream().map(r -> r.header(Topics.DLQ_CONSUMER_HEADER)).collect(Collectors.toSet()))
                            .as("the consumers that dead-lettered " + key).isEqualTo(consumers);
                });
            });
        }
        try (ScratchGitRepository app = app("")) {
            String id = submit(app, "after-poison", Map.of(), Map.of(), ".", "Dockerfile", app.url());
            JsonNode end = api.follow(id, Duration.ofMinutes(3), line -> {
            });
            assertThat(end.path("state").asText()).as("a build after the poison: " + end).isEqualTo("SUCCEEDED");
        }
    }

    @Test
    @Order(2)
    void shellMetacharactersInEveryRequestFieldReachBuildahAsPlainArguments() throws Exception {
        String hostile = "$(touch " + PWNED + ")`touch " + PWNED + "`;touch " + PWNED + "|touch " + PWNED + "&&touch " + PWNED
                + ">" + PWNED + " '\"*?~!#{}[]";
        String contextDir = "ctx $(touch " + PWNED + ");&|`x`";
        String dockerfile = "Dockerfile;touch " + PWNED + "&$(id)";
        try (ScratchGitRepository app = app(contextDir + "/")) {
            // the names hold "/tmp/...": directories of their own
            Files.createDirectories(app.directory().resolve(contextDir).resolve(dockerfile).getParent());
            git(app, "mv", contextDir + "/Dockerfile", contextDir + "/" + dockerfile);
            app.commit("hostile names");
            // a git URL must be a URI: of the metacharacters, ; $ ( ) & ' ! * are allowed in its path
            Path link = Files.createTempDirectory("archipelago-meta").resolve("repo;$(touch$IFS" + PWNED + ")&'!*");
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, app.directory());
            String id = submit(app, "metachars", Map.of("ARG1", hostile), Map.of("meta", hostile), contextDir, dockerfile,
                    "file://" + link);
            JsonNode end = api.follow(id, Duration.ofMinutes(3), line -> {
            });
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("SUCCEEDED");
            assertThat(PWNED).as("a metacharacter was run by a shell").doesNotExist();
            for (JsonNode platform : end.path("platforms")) {
                JsonNode labels = config(platform.path("image").asText()).path("config").path("Labels");
                assertThat(labels.path("meta").asText()).as("the label as requested").isEqualTo(hostile);
                assertThat(labels.path("arg").asText()).as("the build arg as requested").isEqualTo(hostile);
            }
        }
    }

    @Test
    @Order(3)
    void noCredentialAppearsInAnyLogRecordOrApiAnswer() throws Exception {
        // the paths that handle credentials: webhooks right and wrong, a git URL with a password, a wrong bearer token
        String push = """
                {"object_kind": "push", "ref": "refs/heads/main", "checkout_sha": "%s", "after": "%s",
                 "project": {"path_with_namespace": "org/none", "git_http_url": "https://example.com/org/none.git"}}"""
                .formatted("a".repeat(40), "a".repeat(40));
        for (String token : List.of(WEBHOOK_TOKEN, "wrong-" + WEBHOOK_TOKEN)) {
            record(http.send(HttpRequest.newBuilder(stack.dispatcher().resolve("/hooks/gitlab"))
                    .header("Content-Type", "application/json")
                    .header("X-Gitlab-Token", token).header("X-Gitlab-Event", "Push Hook")
                    .POST(HttpRequest.BodyPublishers.ofString(push)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        HttpResponse<String> withPassword = http.send(api.authorized(stack.dispatcher().resolve("/api/builds"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        """
                                {"source": {"git": "https://builder:%s@127.0.0.1:%d/org/app.git"}, "image": {"repository": "%s/x", "tag": "v1"},
                                 "platforms": ["linux/amd64"]}"""
                                .formatted(GIT_PASSWORD, FreePorts.next(), stack.registryHost())))
                .build(),
                HttpResponse.BodyHandlers.ofString());
        record(withPassword);
        assertThat(withPassword.statusCode()).as(withPassword.body()).isBetween(400, 499);
        record(http.send(HttpRequest.newBuilder(stack.dispatcher().resolve("/api/builds"))
                .header("Authorization", "Bearer " + WRONG_BEARER)
                .build(), HttpResponse.BodyHandlers.ofString()));

        // every answer of the read API, and of every service's management port
        for (String path : List.of("/api/builds?limit=200", "/api/workers", "/api/pipelines")) {
            record(http.send(api.authorized(stack.dispatcher().resolve(path)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (String service : stack.serviceNames()) {
            for (String path : List.of("/q/openapi", "/q/metrics", "/q/health")) {
                record(http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.managementPort(service) + path)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
        }
        for (JsonNode build : JSON
                .readTree(http.send(api.authorized(stack.dispatcher().resolve("/api/builds?limit=200")).build(),
                        HttpResponse.BodyHandlers.ofString()).body())) {
            String id = build.path("id").asText();
            record(http.send(api.authorized(stack.dispatcher().resolve("/api/builds/" + id)).build(),
                    HttpResponse.BodyHandlers.ofString()));
            record(http.send(api.authorized(stack.dispatcher().resolve("/api/builds/" + id + "/events"))
                    .header("Accept", "text/event-stream")
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
        }

        List<String> markers = new ArrayList<>(List.of(REGISTRY_PASSWORD,
                Base64.getEncoder().encodeToString((REGISTRY_USER + ":"
                        + REGISTRY_PASSWORD).getBytes(StandardCharsets.UTF_8)),
                WEBHOOK_TOKEN, GIT_PASSWORD, WRONG_BEARER, stack.apiToken()));
        // the assembler's signing key, line by line as it sits in its PEM file (the builds above were signed with it)
        signingKeyLines().forEach(markers::add);
        List<String> hits = new ArrayList<>();
        try (Stream<Path> logs = Files.list(stack.home().resolve("logs"))) {
            for (Path log : logs.toList()) {
                String text = Files.readString(log, StandardCharsets.ISO_8859_1);
                markers.stream().filter(text::contains).forEach(m -> hits.add(log.getFileName() + " contains " + m));
            }
        }
        List<String> registryLog = stack.registry().logLines();
        assertThat(registryLog).as("the registry's own log").isNotEmpty();
        String registryText = String.join("\n", registryLog);
        markers.stream().filter(registryText::contains).forEach(m -> hits.add("the registry's log contains " + m));
        int records = 0;
        try (KafkaTestClient kafka = kafka()) {
            List<String> topics = new ArrayList<>(Topics.all());
            topics.add(Topics.DLQ);
            for (String topic : topics.stream().distinct().toList()) {
                for (KafkaTestClient.Received record : kafka.readUntilEnd(topic, r -> true)) {
                    records++;
                    String text = record.key() + " " + record.value() + " " + record.headers();
                    markers.stream().filter(text::contains)
                            .forEach(m -> hits.add(topic + "@" + record.offset() + " contains " + m));
                }
            }
        }
        for (String response : responses) {
            markers.stream().filter(response::contains).forEach(m -> hits.add("an API answer contains " + m + ": "
                    + response.substring(0, Math.min(200, response.length()))));
        }
        System.out.printf("secret hygiene: searched %d service logs, the registry's log (%d lines), %d records, %d API answers "
                + "for %d markers%n", Files.list(stack.home().resolve("logs")).count(), registryLog.size(), records,
                responses.size(),
                markers.size());
        assertThat(records).as("records searched").isGreaterThan(20);
        assertThat(responses.size()).as("answers searched").isGreaterThan(10);
        assertThat(hits).isEmpty();
    }

    @Test
    @Order(4)
    void aMalformedSigningKeyStopsTheAssemblerAtStartWithAMessageThatNeverQuotesIt() throws Exception {
        String marker = "c2lnbmluZy1rZXktbWFya2Vy" + RUN.replace("-", "");
        Path bad = Files.writeString(stack.home().resolve("bad-signing.key"), "-----BEGIN PRIVATE KEY-----\n" + marker
                + "\n-----END PRIVATE KEY-----\n");
        String good = stack.environment("manifest-assembler").get(SIGNING_KEY);

        assertThatThrownBy(() -> stack.reconfigure("manifest-assembler", Map.of(SIGNING_KEY, bad.toString())))
                .isInstanceOf(LocalStack.StackException.class).hasMessageContaining("manifest-assembler exited with");
        String log = Files.readString(stack.home().resolve("logs").resolve("manifest-assembler.log"),
                StandardCharsets.ISO_8859_1);
        String sinceRestart = log.substring(log.lastIndexOf("--- restarted ---"));
        assertThat(sinceRestart).contains("the signing key " + bad + " is not an ECDSA P-256 private key")
                .doesNotContain(marker);

        stack.reconfigure("manifest-assembler", Map.of(SIGNING_KEY, good));
        assertThat(stack.health("manifest-assembler", "ready")).isEqualTo(200);
    }

    // --- helpers ------------------------------------------------------------------------------

    private static final String SIGNING_KEY = "ARCHIPELAGO_ASSEMBLER_SIGNING_KEY_FILE";

    private static List<String> signingKeyLines() throws IOException {
        Path key = Path.of(stack.environment("manifest-assembler").get(SIGNING_KEY));
        List<String> lines = Files.readString(key).lines().filter(l -> !l.startsWith("-----") && !l.isBlank()).toList();
        assertThat(lines).as("the signing key's base64 lines").isNotEmpty();
        return lines;
    }

    private static KafkaTestClient kafka() {
        return new KafkaTestClient("127.0.0.1:" + stack.ports().kafka());
    }

    private static void record(HttpResponse<String> response) {
        responses.add(response.statusCode() + " " + response.headers().map() + " " + response.body());
    }

    /** A self-contained app (FROM scratch with the platform's busybox) whose build arg ARG1 becomes the label "arg". */
    private static ScratchGitRepository app(String directory) {
        ScratchGitRepository git = ScratchGitRepository.create();
        for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE)) {
            git.copy(Tools.busybox(platform), directory + "busybox-" + platform.architecture());
        }
        git.write(directory + "Dockerfile", """
                FROM scratch
                ARG TARGETARCH
                ARG ARG1=none
                COPY busybox-${TARGETARCH} /bin/busybox
                RUN ["/bin/busybox", "true"]
                LABEL arg=${ARG1}
                CMD ["/bin/busybox", "true"]
                """).commit("app " + UUID.randomUUID());
        return git;
    }

    private static void git(ScratchGitRepository app, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git", "-C", app.directory().toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
    }

    private static String submit(ScratchGitRepository app, String name, Map<String, String> buildArgs,
            Map<String, String> labels, String contextDir,
            String dockerfile, String gitUrl) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("source", Map.of("git", gitUrl, "ref", "main", "contextDir", contextDir, "dockerfile", dockerfile));
        request.put("image", Map.of("repository", stack.registryHost() + "/security/" + name, "tag", "v-" + RUN));
        request.put("platforms", List.of("linux/amd64", "linux/ppc64le"));
        request.put("allowEmulation", true);
        request.put("buildArgs", buildArgs);
        request.put("labels", labels);
        request.put("timeoutSeconds", 600);
        try {
            return api.submit(JSON.writeValueAsString(request));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The image config of a pushed per-arch image, read with the registry's credentials. */
    private static JsonNode config(String image) throws IOException {
        String path = image.substring(image.indexOf('/') + 1);
        String repository = path.substring(0, path.lastIndexOf(':'));
        String tag = path.substring(path.lastIndexOf(':') + 1);
        HttpResponse<byte[]> manifest = stack.registry().get("/v2/" + repository + "/manifests/" + tag,
                MediaTypes.OCI_MANIFEST + ", " + MediaTypes.DOCKER_MANIFEST);
        assertThat(manifest.statusCode()).isEqualTo(200);
        String configDigest = JSON.readTree(manifest.body()).path("config").path("digest").asText();
        HttpResponse<byte[]> config = stack.registry().get("/v2/" + repository + "/blobs/" + configDigest, null);
        assertThat(config.statusCode()).isEqualTo(200);
        return JSON.readTree(config.body());
    }
}
