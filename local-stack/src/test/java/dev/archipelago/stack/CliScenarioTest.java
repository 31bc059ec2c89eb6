package dev.archipelago.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import dev.archipelago.infra.Buildah;
import dev.archipelago.infra.FreePorts;
import dev.archipelago.infra.LocalRegistry;
import dev.archipelago.model.Platform;
import dev.archipelago.testsupport.CosignSignatures;

/**
 * The {@code archipelago} CLI as a developer uses it, a real process against the whole stack:
 * a directory (not a git repository) built for both platforms with its ignored secret kept home,
 * the same directory giving the same context digest, progress on a pseudo-terminal, piped and as
 * JSON, a failing Dockerfile, Ctrl-C, every bad input with its one-line error and exit code, and
 * the other commands. Each run is written to {@code target/cli-transcripts.md} (docs/cli.md).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliScenarioTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MARKER = "marker-secret-" + UUID.randomUUID();
    private static final Path TRANSCRIPTS = Path.of("target", "cli-transcripts.md");
    private static final Pattern CURSOR_UP = Pattern.compile("\u001B\\[\\d+A");

    @RegisterExtension
    static final RunningStack running = new RunningStack("archipelago-cli");
    private static Path home;

    /** A finished CLI run. */
    private record Run(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    @BeforeAll
    static void start() throws IOException {
        home = Files.createTempDirectory("cli-home");
        Files.createDirectories(TRANSCRIPTS.getParent());
        Files.writeString(TRANSCRIPTS, "");
    }

    @Test
    @Order(1)
    void aDirectoryThatIsNotAGitRepositoryIsBuiltForBothPlatformsAndItsIgnoredSecretNeverLeaves() throws Exception {
        Path app = app("hello");
        assertThat(app.resolve(".git")).doesNotExist();

        Run run = cli("build", "-t", running.stack().registryHost() + "/cli/hello:v1", "--allow-emulation", "--build-arg",
                "BASE=" + running.base(),
                "--progress", "plain", app.toString());

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("context " + app + ": ").contains(".dockerignore applied").contains("build SUCCEEDED")
                .contains("pull    podman pull " + running.stack().registryHost() + "/cli/hello@sha256:");
        String index = run.out().lines().filter(l -> l.startsWith("pull    podman pull ")).findFirst().orElseThrow()
                .substring("pull    podman pull ".length());
        try (Buildah buildah = Buildah.isolated()) {
            for (Platform platform : List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE)) {
                assertThat(buildah.runIn(index, platform, "/usr/local/bin/hello"))
                        .contains("Hello from " + platform.unameMachine());
            }
        }
        assertThat(blobsHolding(MARKER)).as("blobs in the registry holding the ignored secret").isEmpty();
        assertThat(blobsHolding("echo \"Hello from")).as("the check finds what was sent").isNotEmpty();

        // what the assembler attached beside the images, as the CLI lists it
        for (String platform : List.of("linux/amd64", "linux/ppc64le")) {
            assertThat(run.out()).contains("attached provenance of " + platform).contains("attached sbom of " + platform)
                    .contains("attached signature of " + platform);
        }
        assertThat(run.out()).contains("attached provenance of the index").contains("attached signature of the index");
        // the index and each child are signed with the stack's key
        JsonNode build = running.stack().api()
                .build(run.out().lines().filter(l -> l.matches("build \\S+ SUCCEEDED")).findFirst().orElseThrow()
                        .split(" ")[1]);
        CosignSignatures.Verdict indexSignature = CosignSignatures.verify(running.stack().registry(), "cli/hello",
                build.path("index").path("digest").asText(), running.stack().signingPublicKey());
        assertThat(indexSignature.verified()).as("the signed index: %s", indexSignature.reasons()).isTrue();
        for (JsonNode lane : build.path("platforms")) {
            CosignSignatures.Verdict signature = CosignSignatures.verify(running.stack().registry(), "cli/hello",
                    lane.path("digest").asText(),
                    running.stack().signingPublicKey());
            assertThat(signature.verified()).as("the signed %s image: %s", lane.path("platform").asText(), signature.reasons())
                    .isTrue();
            // its provenance names its platform, the worker that built it, the context it was built from and its base
            JsonNode statement = provenance("cli/hello", lane.path("digest").asText());
            JsonNode predicate = statement.path("predicate");
            assertThat(statement.path("subject").get(0).path("digest").path("sha256").asText())
                    .isEqualTo(lane.path("digest").asText().substring(7));
            assertThat(predicate.path("runDetails").path("builder").path("id").asText())
                    .isEqualTo("urn:archipelago:worker:" + lane.path("worker").asText() + ":" + lane.path("platform").asText());
            assertThat(predicate.path("buildDefinition").path("internalParameters").path("emulated").asBoolean())
                    .isEqualTo(lane.path("emulated").asBoolean());
            List<String> dependencies = new ArrayList<>();
            predicate.path("buildDefinition").path("resolvedDependencies").forEach(d -> dependencies.add(d.path("uri").asText()
                    + " " + d.path("digest").path("sha256").asText()));
            assertThat(dependencies)
                    .anySatisfy(d -> assertThat(d).startsWith("oci://" + build.path("source").path("bundle").asText()));
            assertThat(dependencies)
                    .anySatisfy(d -> assertThat(d).startsWith("oci://" + running.base() + " ").matches(".* [0-9a-f]{64}"));
        }
    }

    /** The provenance statement attached to an image, found through the referrers tag schema's index. */
    private static JsonNode provenance(String repository, String digest) throws IOException {
        JsonNode referrers = JSON
                .readTree(running.stack().registry().get("/v2/" + repository + "/manifests/" + digest.replace(':', '-'),
                        "application/vnd.oci.image.index.v1+json").body());
        for (JsonNode entry : referrers.path("manifests")) {
            if (entry.path("artifactType").asText().equals("application/vnd.in-toto+json")) {
                JsonNode manifest = JSON
                        .readTree(running.stack().registry()
                                .get("/v2/" + repository + "/manifests/" + entry.path("digest").asText(),
                                        "application/vnd.oci.image.manifest.v1+json")
                                .body());
                return JSON.readTree(running.stack().registry().get("/v2/" + repository + "/blobs/"
                        + manifest.path("layers").get(0).path("digest").asText(), "*/*").body());
            }
        }
        throw new AssertionError("no provenance among the referrers of " + repository + "@" + digest + ": " + referrers);
    }

    @Test
    @Order(2)
    void theSameDirectoryTwiceGivesTheSameContextDigest() throws Exception {
        Path app = app("twice");
        Files.writeString(app.resolve("Dockerfile"), "ARG BASE\nFROM ${BASE}\nCOPY hello.sh /hello.sh\nRUN sleep 300\n",
                StandardOpenOption.TRUNCATE_EXISTING);
        Run first = cli("build", "-t", running.stack().registryHost() + "/cli/twice:v1", "--allow-emulation", "--build-arg",
                "BASE=" + running.base(),
                "--progress", "json", "--detach", app.toString());
        Files.setLastModifiedTime(app.resolve("hello.sh"), FileTime.fromMillis(42));
        Run second = cli("build", "-t", running.stack().registryHost() + "/cli/twice:v2", "--allow-emulation", "--build-arg",
                "BASE=" + running.base(),
                "--progress", "json", "--detach", app.toString());

        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(second.exit()).as(second.toString()).isZero();
        assertThat(context(second)).isEqualTo(context(first));
        for (Run run : List.of(first, second)) {
            String id = event(run, "submitted").path("build").path("id").asText();
            Run cancel = cli("cancel", id);
            assertThat(cancel.exit()).as(cancel.toString()).isZero();
            assertThat(cancel.out()).contains("build " + id + " CANCELLED");
        }
    }

    @Test
    @Order(3)
    void progressIsRedrawnOnATerminalPlainWhenPipedAndJsonWhenAsked() throws Exception {
        Path app = app("progress");
        String target = running.stack().registryHost() + "/cli/progress";
        List<String> args = List.of("build", "--allow-emulation", "--build-arg", "BASE=" + running.base(), app.toString());

        List<String> onTerminal = new ArrayList<>(
                List.of("script", "-qec",
                        String.join(" ", running.stack().cli(with(args, "-t", target + ":tty").toArray(String[]::new))),
                        "/dev/null"));
        Run tty = run(onTerminal, environment(), "build on a pseudo-terminal");
        assertThat(tty.exit()).as(tty.toString()).isZero();
        assertThat(CURSOR_UP.matcher(tty.out()).find()).as("lanes redrawn in place").isTrue();
        assertThat(tty.out()).contains("linux/ppc64le  BUILDING").contains("(emulated)");

        Run piped = cli(with(args, "-t", target + ":piped"));
        assertThat(piped.exit()).as(piped.toString()).isZero();
        assertThat(piped.out()).doesNotContain("\u001B").contains("linux/amd64    SUCCEEDED").contains("build SUCCEEDED");

        Run json = cli(with(args, "-t", target + ":json", "--progress", "json"));
        assertThat(json.exit()).as(json.toString()).isZero();
        List<JsonNode> events = json.out().lines().map(CliScenarioTest::parse).toList();
        assertThat(events).extracting(e -> e.path("event").asText()).contains("context", "submitted", "build", "finished");
        assertThat(events.get(events.size() - 1).path("state").asText()).isEqualTo("SUCCEEDED");
    }

    @Test
    @Order(4)
    void aFailingDockerfilePrintsTheFailedPlatformsLogTailAndExits4() throws Exception {
        Path app = app("fails");
        Files.writeString(app.resolve("Dockerfile"),
                "ARG BASE\nFROM ${BASE}\nRUN echo 'the step that fails says why' >&2; exit 9\n",
                StandardOpenOption.TRUNCATE_EXISTING);

        Run run = cli("build", "-t", running.stack().registryHost() + "/cli/fails:v1", "--allow-emulation", "--build-arg",
                "BASE=" + running.base(),
                "--progress", "plain", app.toString());

        assertThat(run.exit()).as(run.toString()).isEqualTo(4);
        assertThat(run.out()).contains("failed: BUILD_FAILED").contains("  | the step that fails says why")
                .contains("FAILED: PLATFORMS_FAILED").contains("retry the failed platforms with: archipelago retry ");
        String id = run.out().lines().filter(l -> l.startsWith("retry the failed")).findFirst().orElseThrow().replaceAll(".* ",
                "");

        Run logs = cli("logs", id);
        assertThat(logs.exit()).isZero();
        assertThat(logs.out()).contains("== linux/amd64  BUILD_FAILED").contains("the step that fails says why");
        Run status = cli("status", id);
        assertThat(status.exit()).as("status of a FAILED build").isEqualTo(4);
        assertThat(status.out()).contains("FAILED").contains("BUILD_FAILED");
        Run retry = cli("retry", id, "--progress", "plain");
        assertThat(retry.exit()).as("the retry fails the same way").isEqualTo(4);
        assertThat(retry.out()).contains("attempt 2");
        Run builds = cli("builds", "--state", "FAILED", "--repository", running.stack().registryHost() + "/cli/fails");
        assertThat(builds.out()).contains(id).contains("FAILED").contains("ctx ");
    }

    @Test
    @Order(5)
    void ctrlCCancelsTheBuildAndSaysSo() throws Exception {
        Path app = app("interrupted");
        Files.writeString(app.resolve("Dockerfile"), "ARG BASE\nFROM ${BASE}\nCOPY hello.sh /hello.sh\nRUN sleep 120\n",
                StandardOpenOption.TRUNCATE_EXISTING);
        ProcessBuilder builder = new ProcessBuilder(
                running.stack().cli("build", "-t", running.stack().registryHost() + "/cli/interrupted:v1",
                        "--allow-emulation", "--build-arg", "BASE=" + running.base(), "--progress", "plain", app.toString()))
                .redirectErrorStream(true);
        builder.environment().putAll(environment());
        Process cli = builder.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = copier(cli.getInputStream(), out);
        await().atMost(Duration.ofMinutes(2)).until(() -> out.toString(StandardCharsets.UTF_8).contains("BUILDING"));

        signal("INT", cli.pid());

        assertThat(cli.waitFor(2, TimeUnit.MINUTES)).isTrue();
        reader.join(10_000);
        String text = out.toString(StandardCharsets.UTF_8);
        transcript("Ctrl-C during a build", List.of("archipelago", "build", "..."), text, cli.exitValue());
        assertThat(cli.exitValue()).as(text).isEqualTo(5);
        assertThat(text).contains("interrupted: cancelling build").contains("CANCELLED");
        String id = text.lines().filter(l -> l.startsWith("build ") && l.contains("submitted")).findFirst().orElseThrow()
                .split(" ")[1];
        assertThat(running.stack().api().build(id).path("state").asText()).isEqualTo("CANCELLED");
    }

    @Test
    @Order(6)
    void everyBadInputGetsOneLineNamingWhatToDoAnExitCodeAndSubmitsNothing() throws Exception {
        Path app = app("bad");
        String target = running.stack().registryHost() + "/cli/bad:v1";
        int builds = builds();

        refused(cli("build", "-t", target, home.resolve("no-such-dir").toString()), 3, "no directory");
        Path noDockerfile = Files.createDirectories(home.resolve("empty"));
        refused(cli("build", "-t", target, noDockerfile.toString()), 3, "no Dockerfile (or Containerfile) in");
        refused(cli("build", "-t", target, "--platform", "linux/amd64,linux/sparc", app.toString()), 3,
                "unknown platform 'linux/sparc'");
        refused(cli("build", "-t", "not a reference", app.toString()), 3, "-t not a reference");

        // the directory is there for everyone to see, but only its owner (root) may read it
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path locked = Files.createDirectories(home.resolve("locked"));
        Files.writeString(locked.resolve("Dockerfile"), "FROM scratch\n");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        Run unreadable = run(with(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"),
                running.stack().cli("build", "-t", target, locked.toString()).toArray(String[]::new)), environment(),
                "an unreadable directory");
        refused(unreadable, 3, "cannot read the directory " + locked);

        Path huge = app("huge");
        try (RandomAccessFile sparse = new RandomAccessFile(huge.resolve("big.bin").toFile(), "rw")) {
            sparse.setLength(1100L * 1024 * 1024);
        }
        refused(cli("build", "-t", target, huge.toString()), 3, "the limit is 1.0 GiB");

        try (LocalRegistry needsLogin = LocalRegistry.withBasicAuth("robot", "pw-" + UUID.randomUUID())) {
            refused(cli("build", "-t", needsLogin.hostPort() + "/cli/bad:v1", app.toString()), 3,
                    "log in to " + needsLogin.hostPort());
        }
        for (int status : new int[] { 403, 503 }) {
            HttpServer refusing = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            refusing.createContext("/", exchange -> {
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            refusing.start();
            try {
                Run run = cli("build", "-t", "127.0.0.1:" + refusing.getAddress().getPort() + "/cli/bad:v1", app.toString());
                refused(run, status == 403 ? 3 : 6, status == 403 ? "(403)" : "503");
            } finally {
                refusing.stop(0);
            }
        }
        Map<String, String> apiDown = new HashMap<>(environment());
        apiDown.put("ARCHIPELAGO_API", "http://127.0.0.1:" + FreePorts.next());
        refused(run(running.stack().cli("workers"), apiDown, "an API that is down"), 6, "cannot reach the API");
        Map<String, String> wrongToken = new HashMap<>(environment());
        wrongToken.put("ARCHIPELAGO_TOKEN", "not-the-token");
        refused(run(running.stack().cli("build", "-t", target, "--build-arg", "BASE=" + running.base(), app.toString()),
                wrongToken,
                "a wrong token"),
                3, "refused the token (401");
        Map<String, String> noToken = new HashMap<>(environment());
        noToken.remove("ARCHIPELAGO_TOKEN");
        refused(run(running.stack().cli("builds"), noToken, "no token"), 3, "no API token: run `archipelago login`");

        assertThat(builds()).as("builds after all the refusals").isEqualTo(builds);
    }

    @Test
    @Order(7)
    void loginKeepsTheTokenReadableByItsOwnerAndTheOtherCommandsUseIt() throws Exception {
        Map<String, String> noToken = new HashMap<>(environment());
        noToken.remove("ARCHIPELAGO_TOKEN");
        noToken.remove("ARCHIPELAGO_API");
        ProcessBuilder builder = new ProcessBuilder(
                running.stack().cli("login", "--api", running.stack().dispatcher().toString(), "--token-stdin"));
        builder.environment().putAll(noToken);
        Process login = builder.start();
        login.getOutputStream().write((running.stack().apiToken() + "\n").getBytes(StandardCharsets.UTF_8));
        login.getOutputStream().close();
        String out = new String(login.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(login.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(login.exitValue()).as(out).isZero();
        transcript("login", List.of("archipelago", "login", "--api", running.stack().dispatcher().toString(), "--token-stdin"),
                out, 0);
        Path config = home.resolve(".config/archipelago/config.json");
        assertThat(Files.getPosixFilePermissions(config)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        Run workers = run(running.stack().cli("workers"), noToken, "workers");
        assertThat(workers.exit()).as(workers.toString()).isZero();
        assertThat(workers.out()).contains("local-amd64").contains("linux/ppc64le").contains("live");
        Run builds = run(running.stack().cli("builds", "--limit", "3"), noToken, "builds");
        assertThat(builds.exit()).isZero();
        assertThat(builds.out().lines().count()).isEqualTo(4);
    }

    @Test
    @Order(8)
    void theAttachmentsCanBeTurnedOffFromTheCommandLine() throws Exception {
        Run run = cli("build", "-t", running.stack().registryHost() + "/cli/bare:v1", "--allow-emulation", "--build-arg",
                "BASE=" + running.base(),
                "--no-provenance", "--no-sbom", "--no-sign", "--progress", "plain", app("bare").toString());

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("build SUCCEEDED").doesNotContain("attached ");
        JsonNode build = running.stack().api()
                .build(run.out().lines().filter(l -> l.matches("build \\S+ SUCCEEDED")).findFirst().orElseThrow()
                        .split(" ")[1]);
        assertThat(build.path("index").path("attestations")).isEmpty();
        assertThat(
                running.stack().registry()
                        .get("/v2/cli/bare/manifests/" + build.path("index").path("digest").asText().replace(':', '-')
                                + ".sig", "application/vnd.oci.image.manifest.v1+json")
                        .statusCode())
                .isEqualTo(404);
    }

    // --- helpers ------------------------------------------------------------------------------

    /** A directory that is not a git repository: the example app, and a secret that .dockerignore leaves out. */
    private static Path app(String name) throws IOException {
        Path app = Files.createDirectories(home.resolve(name));
        Files.writeString(app.resolve("Dockerfile"), """
                ARG BASE
                FROM ${BASE}
                COPY hello.sh /usr/local/bin/hello
                RUN chmod 0755 /usr/local/bin/hello && echo "built on $(uname -m)" > /etc/built-on
                CMD ["/usr/local/bin/hello"]
                """);
        Files.writeString(app.resolve("hello.sh"),
                "#!/bin/sh\necho \"Hello from $(uname -m) ($(cat /etc/built-on)) " + name + "\"\n");
        Files.writeString(app.resolve(".dockerignore"), "*.secret\n");
        Files.writeString(app.resolve("token.secret"), MARKER + "\n");
        return app;
    }

    private static Map<String, String> environment() {
        Map<String, String> environment = new HashMap<>(running.stack().cliEnvironment());
        environment.put("HOME", home.toString());
        environment.remove("XDG_CONFIG_HOME");
        return environment;
    }

    private static Run cli(String... args) throws Exception {
        return run(running.stack().cli(args), environment(), String.join(" ", args));
    }

    private static Run cli(List<String> args) throws Exception {
        return cli(args.toArray(String[]::new));
    }

    private static Run run(List<String> command, Map<String, String> environment, String what) throws Exception {
        Path out = Files.createTempFile("cli", ".out");
        Path err = Files.createTempFile("cli", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().keySet().removeIf(k -> k.startsWith("ARCHIPELAGO_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the CLI did not end within 10 minutes: " + command);
        }
        Run run = new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        transcript(what, command, run.out() + run.err(), run.exit());
        return run;
    }

    private static void refused(Run run, int exit, String message) {
        assertThat(run.exit()).as(run.toString()).isEqualTo(exit);
        assertThat(run.errLines()).as("one line on stderr: " + run).hasSize(1);
        assertThat(run.errLines().get(0)).startsWith("archipelago: ").contains(message);
        assertThat(run.err()).doesNotContain("\tat ").doesNotContain("Exception");
    }

    private static int builds() {
        return running.stack().api().builds(200).size();
    }

    private static String context(Run run) {
        return event(run, "context").path("reference").asText();
    }

    private static JsonNode event(Run run, String name) {
        return run.out().lines().map(CliScenarioTest::parse).filter(e -> name.equals(e.path("event").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " event in " + run));
    }

    /** The blobs in the registry's storage that hold the text, looking inside gzip-compressed ones. */
    private static List<Path> blobsHolding(String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        List<Path> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(running.stack().registry().storage())) {
            for (Path blob : files.filter(p -> p.getFileName().toString().equals("data") && p.toString().contains("/blobs/"))
                    .toList()) {
                byte[] bytes = Files.readAllBytes(blob);
                if (contains(bytes, needle) || (bytes.length > 2 && bytes[0] == (byte) 0x1f && bytes[1] == (byte) 0x8b
                        && contains(gunzip(bytes), needle))) {
                    found.add(blob);
                }
            }
        }
        return found;
    }

    private static byte[] gunzip(byte[] bytes) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return in.readAllBytes();
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer: for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    private static List<String> with(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    private static Thread copier(InputStream in, ByteArrayOutputStream out) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = in.read(buffer)) > 0;) {
                    synchronized (out) {
                        out.write(buffer, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        thread.start();
        return thread;
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    /** Appends a run to target/cli-transcripts.md, the jar's path written as the command it stands for. */
    private static void transcript(String what, List<String> command, String output, int exit) throws IOException {
        String shown = String.join(" ", command).replaceAll("\\S*java -XX:TieredStopAtLevel=1 -jar \\S*archipelago-cli\\.jar",
                "archipelago");
        String text = "### " + what + "\n\n```console\n$ " + shown + "\n" + output.replaceAll("\u001B\\[[0-9;]*[A-Za-z]", "")
                .replace("\r", "") + (output.endsWith("\n") ? "" : "\n") + "# exit " + exit + "\n```\n\n";
        Files.writeString(TRANSCRIPTS, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }
}
