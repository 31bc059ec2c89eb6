package dev.archipelago.infra;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server of a test's own: the machine's PostgreSQL 15 binaries, a data folder made
 * by {@code initdb} in a temporary folder of its own (owned by {@code postgres}, removed at the
 * end), a loopback port, run as the {@code postgres}
 * user (PostgreSQL refuses to run as root) and stopped by its PID. Fault tests stop and start it
 * with its data to take the database away from the services for as long as they like, without
 * touching the machine's own server that the other tests use.
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Path root;
    private final int port;
    private Process process;

    private LocalPostgres(Path root, int port) {
        this.root = root;
        this.port = port;
    }

    /** Makes a data folder and starts the server on {@code port}. */
    public static LocalPostgres start(int port) {
        if (!Files.isExecutable(BIN.resolve("postgres"))) {
            throw new IllegalStateException("PostgreSQL 15 is not installed at " + BIN + ": run " + Tools.SETUP
                    + " or 'apt-get install -y postgresql-15'");
        }
        Tools.require("setpriv", "util-linux");
        LocalPostgres server;
        try {
            Path root = Files.createTempDirectory("archipelago-postgres");
            server = new LocalPostgres(root, port);
            UserPrincipalLookupService users = root.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(root, users.lookupPrincipalByName("postgres"));
            Processes.run(Duration.ofMinutes(2), null, Map.of(), asPostgres(BIN.resolve("initdb").toString(),
                    "-D", server.data().toString(), "-U", ScratchDatabase.USER, "--auth=trust", "-E", "UTF8", "--no-sync"))
                    .orThrow();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a folder for PostgreSQL: " + e.getMessage(), e);
        }
        server.startAgain();
        return server;
    }

    /** Starts the stopped server again with its data, and waits until it answers. */
    public synchronized void startAgain() {
        if (isRunning()) {
            throw new IllegalStateException("PostgreSQL on " + port + " still runs");
        }
        try {
            Files.writeString(root.resolve("server.log"), "--- start " + Instant.now() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = new ProcessBuilder(asPostgres(BIN.resolve("postgres").toString(), "-D", data().toString(), "-p",
                    String.valueOf(port), "-k", root.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                    "-c", "max_connections=200"))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("server.log").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL: " + e.getMessage(), e);
        }
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (true) {
            try (Connection ignored = DriverManager.getConnection(url("postgres"), ScratchDatabase.USER, "")) {
                return;
            } catch (SQLException e) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("PostgreSQL on " + port + " did not start: " + e.getMessage() + "; see "
                            + root.resolve("server.log"));
                }
                pause();
            }
        }
    }

    /** Stops the server the way an operator's restart does (SIGTERM, a fast shutdown), by its PID. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** Creates an empty database owned by the tests' role. */
    public void createDatabase(String name) {
        if (!name.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("not a database name: " + name);
        }
        try (Connection admin = DriverManager.getConnection(url("postgres"), ScratchDatabase.USER, "");
                Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on " + port + ": " + e.getMessage(), e);
        }
    }

    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Stops the server and removes its data. */
    @Override
    public void close() {
        stop();
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind
        }
    }

    private Path data() {
        return root.resolve("data");
    }

    private static List<String> asPostgres(String... command) {
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"));
        full.addAll(List.of(command));
        return full;
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
