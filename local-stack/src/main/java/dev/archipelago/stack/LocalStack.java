package dev.archipelago.stack;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.archipelago.infra.Buildah;
import dev.archipelago.infra.FreePorts;
import dev.archipelago.infra.LocalPostgres;
import dev.archipelago.infra.LocalRegistry;
import dev.archipelago.infra.Processes;
import dev.archipelago.infra.ScratchDatabase;
import dev.archipelago.infra.Tools;
import dev.archipelago.model.Platform;

/**
 * The whole system on one machine without a container engine: a KRaft broker (its own JVM), a
 * distribution registry, databases on the machine's PostgreSQL, the dispatcher, the assembler,
 * an amd64 worker (native here) and a ppc64le worker (under QEMU), each its own process with its
 * log under {@code <home>/logs}. Used by {@code scripts/run-local.sh} and the scenario tests.
 * Everything it starts is stopped by PID, by {@link #close()} or by {@link #stopLeftRunning(Path)}.
 */
public final class LocalStack implements AutoCloseable {

    /** The loopback ports of the stack. */
    public record Ports(int kafka, int kafkaController, int registry, int dispatcher, int assembler, int workerAmd64,
            int workerPpc64le) {

        /** The defaults of the run command, each overridable by an environment variable. */
        public static Ports fromEnvironment() {
            return new Ports(env("ARCHIPELAGO_STACK_KAFKA_PORT", 19092), env("ARCHIPELAGO_STACK_KAFKA_CONTROLLER_PORT", 19093),
                    env("ARCHIPELAGO_STACK_REGISTRY_PORT", 15000), env("ARCHIPELAGO_STACK_DISPATCHER_PORT", 8080),
                    env("ARCHIPELAGO_STACK_ASSEMBLER_PORT", 8082), env("ARCHIPELAGO_STACK_WORKER_AMD64_PORT", 8081),
                    env("ARCHIPELAGO_STACK_WORKER_PPC64LE_PORT", 8083));
        }

        /** Free ports, for tests. */
        public static Ports free() {
            return new Ports(FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(),
                    FreePorts.next(), FreePorts.next());
        }

        Map<String, Integer> named() {
            Map<String, Integer> named = new LinkedHashMap<>();
            named.put("kafka (ARCHIPELAGO_STACK_KAFKA_PORT)", kafka);
            named.put("kafka controller (ARCHIPELAGO_STACK_KAFKA_CONTROLLER_PORT)", kafkaController);
            named.put("registry (ARCHIPELAGO_STACK_REGISTRY_PORT)", registry);
            named.put("dispatcher (ARCHIPELAGO_STACK_DISPATCHER_PORT)", dispatcher);
            named.put("assembler (ARCHIPELAGO_STACK_ASSEMBLER_PORT)", assembler);
            named.put("amd64 worker (ARCHIPELAGO_STACK_WORKER_AMD64_PORT)", workerAmd64);
            named.put("ppc64le worker (ARCHIPELAGO_STACK_WORKER_PPC64LE_PORT)", workerPpc64le);
            return named;
        }

        private static int env(String name, int fallback) {
            String value = System.getenv(name);
            return value == null || value.isBlank() ? fallback : Integer.parseInt(value.strip());
        }
    }

    /** A step of the stack that failed; the message names the step and what to do. */
    public static final class StackException extends RuntimeException {
        public StackException(String message) {
            super(message);
        }
    }

    private record Service(String name, Process process, Path log, List<String> command, Map<String, String> env) {
    }

    /**
     * How the stack differs from the plain one: a registry that wants these credentials (the
     * workers and the assembler get an auth.json), extra environment variables by process name
     * ({@code build-dispatcher}, {@code manifest-assembler}, {@code arch-worker-amd64}, ...), a
     * PostgreSQL server of the stack's own instead of the machine's (so that a test can stop it),
     * workers for more platforms than amd64 and ppc64le, each under QEMU, and more than one assembler
     * replica (the second is {@code manifest-assembler-2}, on the same database and consumer group).
     */
    public record Options(String registryUser, String registryPassword, Map<String, Map<String, String>> environment,
            boolean ownDatabaseServer, List<Platform> moreWorkers, int assemblerReplicas) {
        /** An anonymous registry, the machine's PostgreSQL, nothing extra. */
        public static final Options PLAIN = new Options(null, null, Map.of(), false, List.of(), 1);

        /** A registry that wants these credentials, with extra environment variables by process name. */
        public Options(String registryUser, String registryPassword, Map<String, Map<String, String>> environment,
                boolean ownDatabaseServer) {
            this(registryUser, registryPassword, environment, ownDatabaseServer, List.of(), 1);
        }

        /** An anonymous registry, with extra environment variables by process name. */
        public static Options withEnvironment(Map<String, Map<String, String>> environment) {
            return new Options(null, null, environment, false, List.of(), 1);
        }

        /** The same, with a PostgreSQL server of the stack's own ({@link LocalStack#postgres()}). */
        public Options withOwnDatabaseServer() {
            return new Options(registryUser, registryPassword, environment, true, moreWorkers, assemblerReplicas);
        }

        /** The same, with a worker (emulated, on a free port) for each of these platforms too. */
        public Options withWorkersFor(Platform... platforms) {
            return new Options(registryUser, registryPassword, environment, ownDatabaseServer, List.of(platforms),
                    assemblerReplicas);
        }

        /** The same, with this many assembler processes sharing the database and the results' consumer group. */
        public Options withAssemblerReplicas(int replicas) {
            return new Options(registryUser, registryPassword, environment, ownDatabaseServer, moreWorkers, replicas);
        }
    }

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final String STATE_FILE = "stack.pids";

    private final Path repoRoot;
    private final Path home;
    private final Ports ports;
    private final Consumer<String> say;
    private final List<Service> services = new ArrayList<>();
    private final List<String> databases = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Options options;
    private LocalRegistry registry;
    private LocalPostgres postgres;
    private String apiToken;

    private LocalStack(Path repoRoot, Path home, Ports ports, Consumer<String> say, Options options) {
        this.repoRoot = repoRoot;
        this.home = home;
        this.ports = ports;
        this.say = say;
        this.options = options;
    }

    /** Starts everything and waits until every service is ready. */
    public static LocalStack start(Path repoRoot, Path home, Ports ports, Consumer<String> say) {
        return start(repoRoot, home, ports, say, Options.PLAIN);
    }

    /** Like {@link #start(Path, Path, Ports, Consumer)}, with options. */
    public static LocalStack start(Path repoRoot, Path home, Ports ports, Consumer<String> say, Options options) {
        LocalStack stack = new LocalStack(repoRoot, home, ports, say, options);
        try {
            stack.startAll();
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startAll() {
        Tools.buildah();
        Tools.requireEmulation(Platform.LINUX_PPC64LE);
        options.moreWorkers().forEach(Tools::requireEmulation);
        for (Map.Entry<String, Integer> port : ports.named().entrySet()) {
            if (FreePorts.answers(port.getValue())) {
                throw new StackException("port " + port.getValue() + " for the " + port.getKey().replace(" (", " is busy: set ")
                        .replace(")", "") + " to another port, or stop what listens there");
            }
        }
        for (String module : List.of("build-dispatcher", "manifest-assembler", "arch-worker")) {
            if (!Files.exists(jar(module))) {
                throw new StackException("no " + jar(module) + ": build the services first (./mvnw -DskipTests install, "
                        + "which scripts/run-local.sh runs)");
            }
        }
        try {
            Files.createDirectories(home.resolve("logs"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        say.accept("starting Kafka (KRaft) on 127.0.0.1:" + ports.kafka());
        String javaCp = System.getProperty("java.class.path");
        services.add(launch("kafka", List.of(java(), "-Xmx512m", "-cp", javaCp, "dev.archipelago.infra.KafkaServerMain",
                String.valueOf(ports.kafka()), String.valueOf(ports.kafkaController()), home.resolve("kafka").toString()),
                Map.of()));
        waitForPort("kafka", ports.kafka());

        say.accept("starting the registry on 127.0.0.1:" + ports.registry());
        registry = options.registryUser() == null ? LocalRegistry.anonymousAt(home.resolve("registry"), ports.registry())
                : LocalRegistry.withBasicAuthAt(home.resolve("registry"), ports.registry(), options.registryUser(),
                        options.registryPassword());
        String authFile = options.registryUser() == null ? null
                : registry.writeAuthFile(home.resolve("auth.json"), options.registryUser(), options.registryPassword())
                        .toString();

        String dispatcherDbUrl;
        String assemblerDbUrl;
        if (options.ownDatabaseServer()) {
            int port = FreePorts.next();
            say.accept("starting PostgreSQL of the stack's own on 127.0.0.1:" + port);
            postgres = LocalPostgres.start(port);
            postgres.createDatabase("dispatcher");
            postgres.createDatabase("assembler");
            dispatcherDbUrl = postgres.url("dispatcher");
            assemblerDbUrl = postgres.url("assembler");
        } else {
            ScratchDatabase dispatcherDb = ScratchDatabase.create("archipelago_stack_dispatcher");
            ScratchDatabase assemblerDb = ScratchDatabase.create("archipelago_stack_assembler");
            databases.add(dispatcherDb.name());
            databases.add(assemblerDb.name());
            dispatcherDbUrl = dispatcherDb.jdbcUrl();
            assemblerDbUrl = assemblerDb.jdbcUrl();
        }

        Path apiTokensFile = writeApiToken();

        String kafka = "127.0.0.1:" + ports.kafka();
        String insecure = registryHost();
        say.accept("starting the dispatcher, the assembler and two workers (amd64 native, ppc64le under QEMU)");
        Map<String, String> dispatcherEnv = new LinkedHashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafka,
                "QUARKUS_DATASOURCE_JDBC_URL", dispatcherDbUrl,
                "QUARKUS_DATASOURCE_USERNAME", ScratchDatabase.USER,
                "QUARKUS_DATASOURCE_PASSWORD", ScratchDatabase.PASSWORD,
                "ARCHIPELAGO_DISPATCHER_ALLOW_FILE_URLS", "true",
                "QUARKUS_CONFIG_LOCATIONS", apiTokensFile.toString(),
                "ARCHIPELAGO_DISPATCHER_PUBLIC_URL", "http://127.0.0.1:" + ports.dispatcher()));
        services.add(service("build-dispatcher", ports.dispatcher(), dispatcherEnv));
        Map<String, String> assemblerEnv = new LinkedHashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafka,
                "QUARKUS_DATASOURCE_JDBC_URL", assemblerDbUrl,
                "QUARKUS_DATASOURCE_USERNAME", ScratchDatabase.USER,
                "QUARKUS_DATASOURCE_PASSWORD", ScratchDatabase.PASSWORD,
                "ARCHIPELAGO_ASSEMBLER_INSECURE_REGISTRIES", insecure,
                "ARCHIPELAGO_ASSEMBLER_SWEEP_INTERVAL", "2s"));
        if (authFile != null) {
            assemblerEnv.put("ARCHIPELAGO_ASSEMBLER_AUTH_FILE", authFile);
        }
        assemblerEnv.put("ARCHIPELAGO_ASSEMBLER_SIGNING_KEY_FILE", writeSigningKey().toString());
        services.add(service("manifest-assembler", ports.assembler(), assemblerEnv));
        for (int replica = 2; replica <= options.assemblerReplicas(); replica++) {
            say.accept("starting assembler replica " + replica);
            services.add(service("manifest-assembler-" + replica, "manifest-assembler", FreePorts.next(), assemblerEnv));
        }
        services.add(worker(Platform.LINUX_AMD64, ports.workerAmd64(), false, kafka, insecure, authFile));
        services.add(worker(Platform.LINUX_PPC64LE, ports.workerPpc64le(), true, kafka, insecure, authFile));
        for (Platform platform : options.moreWorkers()) {
            say.accept("starting a worker for " + platform + " under QEMU");
            services.add(worker(platform, FreePorts.next(), true, kafka, insecure, authFile));
        }
        writeState();
        for (String name : serviceNames()) {
            waitReady(name);
        }
        waitForWorkers();
        say.accept("ready: every service answers /q/health/ready on its management port and every worker is live");
    }

    /**
     * A fresh admin token for this stack: the dispatcher gets only its SHA-256, in a properties file
     * it reads as an extra config location (as a Secret mounted in production would be); the token
     * itself is kept in {@code <home>/api-token}, readable by the owner only.
     */
    private Path writeApiToken() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        apiToken = "stack-" + HexFormat.of().formatHex(random);
        try {
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(apiToken.getBytes(StandardCharsets.UTF_8)));
            Path tokenFile = home.resolve("api-token");
            Files.deleteIfExists(tokenFile);
            Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tokenFile, apiToken + "\n");
            Path authFile = home.resolve("dispatcher-auth.properties");
            Files.writeString(authFile, "# the local stack's admin token (the token itself is in api-token next to this file)\n"
                    + "archipelago.dispatcher.auth.tokens.stack-admin.sha256=" + hash + "\n"
                    + "archipelago.dispatcher.auth.tokens.stack-admin.role=admin\n");
            return authFile;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The stack's signing key: an ECDSA P-256 key made once per stack home ({@code signing/cosign.key},
     * readable by its owner only) with its public half beside it ({@code signing/cosign.pub}), which
     * is what skopeo, podman and cosign verify the stack's images with (docs/supply-chain.md).
     */
    private Path writeSigningKey() {
        Path folder = home.resolve("signing");
        Path key = folder.resolve("cosign.key");
        try {
            if (Files.isRegularFile(key) && Files.isRegularFile(folder.resolve("cosign.pub"))) {
                return key;
            }
            Files.createDirectories(folder);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            Files.deleteIfExists(key);
            Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(key, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.writeString(folder.resolve("cosign.pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** The public key the stack's images and indexes are signed with ({@code <home>/signing/cosign.pub}). */
    public Path signingPublicKey() {
        return home.resolve("signing").resolve("cosign.pub");
    }

    /** The stack's admin API token (also in {@code <home>/api-token}). */
    public String apiToken() {
        return apiToken;
    }

    /** A client of the stack's API, calling as its admin. */
    public StackClient api() {
        return new StackClient(dispatcher(), apiToken);
    }

    /**
     * Builds a multi-arch busybox base image from the static binaries the setup script caches and
     * pushes it as {@code <registry>/base/busybox:stable}: the example builds FROM it, because
     * this machine cannot reach Docker Hub.
     */
    public String pushBaseImage() {
        List<Platform> platforms = new ArrayList<>(List.of(Platform.LINUX_AMD64, Platform.LINUX_PPC64LE));
        platforms.addAll(options.moreWorkers());
        return pushBusyboxBase(registryHost(), platforms);
    }

    /**
     * The same busybox base, for these platforms, pushed to any plain-HTTP registry as {@code <registry>/base/busybox:stable}.
     */
    public static String pushBusyboxBase(String registryHost, List<Platform> platforms) {
        String base = registryHost + "/base/busybox:stable";
        try (Buildah buildah = Buildah.isolated()) {
            List<String> children = new ArrayList<>();
            for (Platform platform : platforms) {
                Path context = Files.createTempDirectory("stack-base");
                Files.copy(Tools.busybox(platform), context.resolve("busybox"));
                Files.writeString(context.resolve("Dockerfile"), """
                        FROM scratch
                        COPY busybox /bin/busybox
                        RUN ["/bin/busybox", "mkdir", "-p", "/usr/bin", "/usr/sbin", "/sbin", "/usr/local/bin", "/tmp", "/etc"]
                        RUN ["/bin/busybox", "--install", "-s"]
                        CMD ["/bin/sh"]
                        """);
                String local = "localhost/stack-base:" + platform.tagSafeName();
                buildah.build(context, platform, local);
                String child = registryHost + "/base/busybox:stable-" + platform.tagSafeName();
                buildah.push(local, child, "oci");
                children.add(child);
            }
            buildah.run("manifest", "create", "localhost/stack-base-list");
            for (String child : children) {
                buildah.run("manifest", "add", "--tls-verify=false", "localhost/stack-base-list", "docker://" + child);
            }
            buildah.run("manifest", "push", "--all", "--tls-verify=false", "--format", "oci", "localhost/stack-base-list",
                    "docker://" + base);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return base;
    }

    /**
     * The command line that runs the {@code archipelago} CLI (its jar, built by {@code ./mvnw install}) with these arguments.
     */
    public List<String> cli(String... arguments) {
        Path jar = repoRoot.resolve("cli/target/archipelago-cli.jar");
        if (!Files.exists(jar)) {
            throw new StackException(
                    "no " + jar + ": build it first (./mvnw -DskipTests install, which scripts/run-local.sh runs)");
        }
        List<String> command = new ArrayList<>(List.of(java(), "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        command.addAll(List.of(arguments));
        return command;
    }

    /** The environment that points the CLI at this stack: its API and its admin token. */
    public Map<String, String> cliEnvironment() {
        return Map.of("ARCHIPELAGO_API", dispatcher().toString(), "ARCHIPELAGO_TOKEN", apiToken);
    }

    public String registryHost() {
        return "127.0.0.1:" + ports.registry();
    }

    public URI dispatcher() {
        return URI.create("http://127.0.0.1:" + ports.dispatcher());
    }

    public Ports ports() {
        return ports;
    }

    public Path home() {
        return home;
    }

    public LocalRegistry registry() {
        return registry;
    }

    /** The stack's own PostgreSQL server, when started with {@link Options#withOwnDatabaseServer()}. */
    public LocalPostgres postgres() {
        if (postgres == null) {
            throw new StackException("this stack uses the machine's PostgreSQL; start it with Options.withOwnDatabaseServer()");
        }
        return postgres;
    }

    /** Kills a process of the stack at once ({@code kill -9}, by PID), as a crash would. */
    public void killService(String name) {
        Service service = find(name);
        service.process().toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        service.process().destroyForcibly();
        try {
            service.process().waitFor(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops a process of the stack the way an orchestrator does: SIGTERM, then SIGKILL after 20 s. */
    public void stopService(String name) {
        Service service = find(name);
        service.process().destroy();
        try {
            if (!service.process().waitFor(20, TimeUnit.SECONDS)) {
                killService(name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The service processes of the stack (every process but the broker), by name. */
    public List<String> serviceNames() {
        return services.stream().map(Service::name).filter(n -> !n.equals("kafka")).toList();
    }

    /**
     * The HTTP status of a service's health check: {@code live}, {@code ready} or {@code started}
     * ({@code /q/health/<check>}); 0 when the service does not answer.
     */
    public int health(String name, String check) {
        int port = managementPort(name);
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/" + check))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted");
        }
    }

    /** The port of a service's management interface (health, metrics, the OpenAPI document). */
    public int managementPort(String name) {
        return Integer.parseInt(find(name).env().get("MANAGEMENT_PORT"));
    }

    /** The operating system's process id of a process of the stack (for measuring it, never for stopping it by name). */
    public long pid(String name) {
        return find(name).process().pid();
    }

    /** The environment a process of the stack was started with. */
    public Map<String, String> environment(String name) {
        return Map.copyOf(find(name).env());
    }

    /** Stops a service, then starts it again with some environment variables changed, and waits until it is ready. */
    public void reconfigure(String name, Map<String, String> changes) {
        reconfigure(Map.of(name, changes));
    }

    /**
     * Stops these services, then starts them all again, each with its environment variables changed,
     * and waits until every one is ready: side by side, so two workers take the time of one.
     */
    public void reconfigure(Map<String, Map<String, String>> changesByService) {
        changesByService.keySet().forEach(this::stopService);
        changesByService.forEach((name, changes) -> {
            Service old = find(name);
            Map<String, String> env = new LinkedHashMap<>(old.env());
            env.putAll(changes);
            services.set(services.indexOf(old), new Service(name, old.process(), old.log(), old.command(), env));
            start(name);
        });
        changesByService.keySet().forEach(this::awaitStarted);
    }

    /** Starts a killed process of the stack again with the same command and environment, and waits until it is ready. */
    public void restartService(String name) {
        start(name);
        awaitStarted(name);
    }

    private void start(String name) {
        Service old = find(name);
        if (old.process().isAlive()) {
            throw new StackException(name + " still runs; kill it first");
        }
        try {
            Files.writeString(old.log(), "\n--- restarted ---\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(old.command()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(old.log().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().putAll(old.env());
            services.set(services.indexOf(old), new Service(name, builder.start(), old.log(), old.command(), old.env()));
        } catch (IOException e) {
            throw new StackException("cannot restart " + name + ": " + e.getMessage());
        }
        writeState();
    }

    private void awaitStarted(String name) {
        if (name.equals("kafka")) {
            waitForPort(name, ports.kafka());
        } else {
            waitReady(name);
        }
        if (name.startsWith("arch-worker-")) {
            waitForWorkers();
        }
    }

    /** The JDBC URL of a service's database (for tests that look at stored state). */
    public String databaseUrl(String service) {
        return services.stream().filter(s -> s.name().equals(service)).findFirst()
                .map(s -> s.env().get("QUARKUS_DATASOURCE_JDBC_URL"))
                .orElseThrow(() -> new StackException("no database for " + service));
    }

    private Service find(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new StackException("no process named " + name + " in the stack"));
    }

    /** The service logs, for a failure message. */
    public String tail(String service, int lines) {
        Path log = home.resolve("logs").resolve(service + ".log");
        try {
            List<String> all = Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList()
                    : List.of();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** Leaves the processes running (the run command without --once); {@link #stopLeftRunning(Path)} ends them later. */
    public void detach() {
        services.clear();
        registry = null;
        databases.clear();
    }

    @Override
    public void close() {
        for (int i = services.size() - 1; i >= 0; i--) {
            stopProcess(services.get(i).process().toHandle());
        }
        services.clear();
        if (registry != null) {
            registry.stop();
            registry = null;
        }
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
        databases.forEach(ScratchDatabase::drop);
        databases.clear();
        try {
            Files.deleteIfExists(home.resolve(STATE_FILE));
        } catch (IOException ignored) {
            // nothing to stop any more
        }
    }

    /**
     * Stops a stack that a run command left running, by the PIDs it wrote down; returns how many it
     * stopped. A PID is signalled only while it still names the process the stack started (same
     * start time): after a reboot or a long while, the number may belong to an unrelated process.
     */
    public static int stopLeftRunning(Path home) {
        Path state = home.resolve(STATE_FILE);
        if (!Files.exists(state)) {
            return 0;
        }
        int stopped = 0;
        try {
            List<String> lines = Files.readAllLines(state);
            for (int i = lines.size() - 1; i >= 0; i--) {
                String[] parts = lines.get(i).split(" ");
                if (parts[0].equals("database")) {
                    ScratchDatabase.drop(parts[1]);
                } else {
                    Optional<ProcessHandle> handle = startedProcess(parts);
                    if (handle.isPresent()) {
                        stopProcess(handle.get());
                        stopped++;
                    }
                }
            }
            Files.delete(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return stopped;
    }

    /** Whether a stack that wrote its PIDs under {@code home} still has a live process. */
    /**
     * Deletes a stopped stack's folder: its workers' storage (unmounted first), its registry and
     * logs. For a stack that was only scratch space, as scripts/images.sh's.
     */
    public static void delete(Path home) {
        if (!Files.isDirectory(home)) {
            return;
        }
        try (var workers = Files.list(home)) {
            workers.filter(p -> p.getFileName().toString().startsWith("worker-"))
                    .forEach(worker -> Processes.run(Duration.ofSeconds(30), "umount", "-R", "-l",
                            worker.resolve("storage").resolve("overlay").toString()));
        } catch (IOException ignored) {
            // nothing to unmount
        }
        try (var paths = Files.walk(home)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // leftovers in a scratch folder are harmless
        }
    }

    public static boolean running(Path home) {
        Path state = home.resolve(STATE_FILE);
        try {
            return Files.exists(state) && Files.readAllLines(state).stream().map(l -> l.split(" "))
                    .filter(p -> !p[0].equals("database")).anyMatch(p -> startedProcess(p).isPresent());
        } catch (IOException e) {
            return false;
        }
    }

    /** The live process of a state line ({@code name pid start-instant}) if it is still the one the stack started. */
    static Optional<ProcessHandle> startedProcess(String[] line) {
        Instant started;
        try {
            started = Instant.parse(line.length == 3 ? line[2] : "");
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(line[1])).filter(ProcessHandle::isAlive)
                .filter(h -> h.info().startInstant().map(started::equals).orElse(false));
    }

    private Service worker(Platform platform, int port, boolean emulated, String kafka, String insecure, String authFile) {
        Path root = home.resolve("worker-" + platform.tagSafeName());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        env.put("ARCHIPELAGO_WORKER_PLATFORM", platform.ociName());
        env.put("ARCHIPELAGO_WORKER_EMULATION", String.valueOf(emulated));
        env.put("ARCHIPELAGO_WORKER_ID", "local-" + platform.tagSafeName());
        env.put("ARCHIPELAGO_WORKER_STORAGE_ROOT", root.resolve("storage").toString());
        env.put("ARCHIPELAGO_WORKER_RUN_ROOT", root.resolve("run").toString());
        env.put("ARCHIPELAGO_WORKER_WORK_DIR", root.resolve("work").toString());
        env.put("ARCHIPELAGO_WORKER_RESULTS_DIR", root.resolve("results").toString());
        env.put("ARCHIPELAGO_WORKER_INSECURE_REGISTRIES", insecure);
        env.put("ARCHIPELAGO_WORKER_HEARTBEAT_INTERVAL", "2s");
        if (authFile != null) {
            env.put("ARCHIPELAGO_WORKER_AUTH_FILE", authFile);
        }
        return service("arch-worker-" + platform.tagSafeName(), "arch-worker", port, env);
    }

    private Service service(String module, int port, Map<String, String> env) {
        return service(module, module, port, env);
    }

    private Service service(String name, String module, int port, Map<String, String> env) {
        Map<String, String> all = new LinkedHashMap<>(env);
        all.put("HTTP_PORT", String.valueOf(port));
        all.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        all.put("MANAGEMENT_PORT", String.valueOf(FreePorts.next()));
        all.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        all.putAll(options.environment().getOrDefault(name, Map.of()));
        return launch(name, List.of(java(), "-Xmx128m", "-XX:+UseSerialGC", "-jar", jar(module).toString()), all);
    }

    private Service launch(String name, List<String> command, Map<String, String> env) {
        Path log = home.resolve("logs").resolve(name + ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().putAll(env);
            return new Service(name, builder.start(), log, command, env);
        } catch (IOException e) {
            throw new StackException("cannot start " + name + ": " + e.getMessage());
        }
    }

    private void waitForPort(String name, int port) {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (!FreePorts.answers(port)) {
            checkAlive(name);
            if (Instant.now().isAfter(deadline)) {
                throw new StackException(name + " does not listen on " + port + " after " + READY_TIMEOUT.toSeconds() + " s:\n"
                        + tail(name, 30));
            }
            pause();
        }
    }

    private void waitReady(String name) {
        int port = managementPort(name);
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (true) {
            checkAlive(name);
            try {
                HttpResponse<String> response = http
                        .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StackException("interrupted");
            }
            if (Instant.now().isAfter(deadline)) {
                throw new StackException(name + " is not ready after " + READY_TIMEOUT.toSeconds() + " s:\n" + tail(name, 30));
            }
            pause();
        }
    }

    /** Waits until the dispatcher lists every worker of the stack live (a worker just started: from its first heartbeat). */
    private void waitForWorkers() {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (true) {
            try {
                Set<String> live = new HashSet<>();
                api().workers().forEach(w -> {
                    if (w.path("live").asBoolean()) {
                        live.add(w.path("workerId").asText());
                    }
                });
                if (serviceNames().stream().filter(n -> n.startsWith("arch-worker-"))
                        .allMatch(n -> live.contains("local-" + n.substring("arch-worker-".length())))) {
                    return;
                }
            } catch (StackException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                // the dispatcher is not answering yet: try again
            }
            if (Instant.now().isAfter(deadline)) {
                throw new StackException("the dispatcher lists no live workers after " + READY_TIMEOUT.toSeconds() + " s");
            }
            pause();
        }
    }

    private void checkAlive(String name) {
        services.stream().filter(s -> s.name().equals(name) && !s.process().isAlive()).findFirst().ifPresent(s -> {
            throw new StackException(name + " exited with " + s.process().exitValue() + ":\n" + tail(name, 30));
        });
    }

    private void writeState() {
        StringBuilder state = new StringBuilder();
        services.forEach(s -> state.append(stateLine(s.name(), s.process().toHandle())));
        if (registry.isRunning()) {
            state.append(stateLine("registry", ProcessHandle.of(registry.pid()).orElseThrow()));
        }
        if (postgres != null && postgres.isRunning()) {
            state.append(stateLine("postgres", ProcessHandle.of(postgres.pid()).orElseThrow()));
        }
        databases.forEach(d -> state.append("database ").append(d).append('\n'));
        try {
            Files.writeString(home.resolve(STATE_FILE), state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code name pid start-instant}: the start instant tells the process from a later one that got its PID. */
    private static String stateLine(String name, ProcessHandle process) {
        return name + " " + process.pid() + " " + process.info().startInstant().map(Instant::toString).orElse("unknown") + "\n";
    }

    private Path jar(String module) {
        return repoRoot.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    }

    private static String java() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static void stopProcess(ProcessHandle handle) {
        handle.descendants().forEach(ProcessHandle::destroy);
        handle.destroy();
        try {
            handle.onExit().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            handle.descendants().forEach(ProcessHandle::destroyForcibly);
            handle.destroyForcibly();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted");
        }
    }
}
