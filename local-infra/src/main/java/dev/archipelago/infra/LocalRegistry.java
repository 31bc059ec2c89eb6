package dev.archipelago.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.mindrot.jbcrypt.BCrypt;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The CNCF distribution registry ({@code docker-registry} from Debian) on a free loopback port,
 * with a temporary storage folder and, optionally, htpasswd basic auth. Plain HTTP: clients
 * must list {@link #hostPort()} as an insecure registry. Stopped by its own PID.
 */
public final class LocalRegistry implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Path root;
    private final int port;
    private final String username;
    private final String password;
    private final Path log;
    private Process process;
    private TokenIssuer issuer;

    private LocalRegistry(Path root, int port, String username, String password) {
        this.root = root;
        this.port = port;
        this.username = username;
        this.password = password;
        this.log = root.resolve("registry.log");
    }

    /** A registry anyone may push to. */
    public static LocalRegistry anonymous() {
        return start(null, null);
    }

    /** An anonymous registry on a given port with its storage under {@code root}, for the local stack. */
    public static LocalRegistry anonymousAt(Path root, int port) {
        return at(root, port, null, null);
    }

    /** Like {@link #anonymousAt} but wanting HTTP basic auth with this user and password. */
    public static LocalRegistry withBasicAuthAt(Path root, int port, String username, String password) {
        return at(root, port, username, password);
    }

    private static LocalRegistry at(Path root, int port, String username, String password) {
        try {
            Files.createDirectories(root);
            LocalRegistry registry = new LocalRegistry(root, port, username, password);
            registry.launch(Tools.registry());
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the registry: " + e.getMessage(), e);
        }
    }

    /** The registry process's id, so that a stack left running can be stopped by PID. */
    public long pid() {
        return process.pid();
    }

    /** A registry that wants HTTP basic auth with this user and password. */
    public static LocalRegistry withBasicAuth(String username, String password) {
        return start(username, password);
    }

    /**
     * A registry behind a bearer-token challenge ({@code auth: token}), with a {@link TokenIssuer}
     * that hands tokens to this user and password.
     */
    public static LocalRegistry withTokenAuth(String username, String password) {
        return start(username, password, true);
    }

    private static LocalRegistry start(String username, String password) {
        return start(username, password, false);
    }

    private static LocalRegistry start(String username, String password, boolean token) {
        Path binary = Tools.registry();
        try {
            Path root = Files.createTempDirectory("archipelago-registry");
            LocalRegistry registry = new LocalRegistry(root, FreePorts.next(), username, password);
            if (token) {
                registry.issuer = TokenIssuer.start(root, username, password);
            }
            registry.launch(binary);
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the registry: " + e.getMessage(), e);
        }
    }

    private void launch(Path binary) throws IOException {
        Files.createDirectories(root.resolve("storage"));
        StringBuilder config = new StringBuilder()
                .append("version: 0.1\n")
                .append("log:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: false\n")
                .append("storage:\n  filesystem:\n    rootdirectory: ").append(root.resolve("storage")).append('\n')
                .append("  delete:\n    enabled: true\n")
                .append("  maintenance:\n    uploadpurging:\n      enabled: false\n")
                .append("http:\n  addr: 127.0.0.1:").append(port).append('\n')
                .append("  secret: ").append(UUID.randomUUID()).append('\n');
        if (issuer != null) {
            config.append("auth:\n  token:\n    realm: ").append(issuer.realm()).append('\n')
                    .append("    service: ").append(TokenIssuer.SERVICE).append('\n')
                    .append("    issuer: ").append(TokenIssuer.ISSUER).append('\n')
                    .append("    rootcertbundle: ").append(issuer.certificatePem()).append('\n');
        } else if (username != null) {
            Path htpasswd = root.resolve("htpasswd");
            Files.writeString(htpasswd, username + ":" + BCrypt.hashpw(password, BCrypt.gensalt(10)) + "\n");
            config.append("auth:\n  htpasswd:\n    realm: archipelago-test\n    path: ").append(htpasswd).append('\n');
        }
        Path configFile = root.resolve("config.yml");
        Files.writeString(configFile, config.toString());
        process = new ProcessBuilder(List.of(binary.toString(), "serve", configFile.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Instant deadline = Instant.now().plusSeconds(20);
        while (!FreePorts.answers(port)) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                String output = Files.readString(log);
                close();
                throw new IllegalStateException("the registry did not start on port " + port + ":\n" + output);
            }
            sleepBriefly();
        }
    }

    /** {@code 127.0.0.1:port}, the registry part of image references. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    /** Where the registry keeps its blobs and manifests (a test can look into every blob it holds). */
    public Path storage() {
        return root.resolve("storage");
    }

    public URI baseUri() {
        return URI.create("http://" + hostPort());
    }

    public int port() {
        return port;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /**
     * Writes a containers {@code auth.json} (what {@code podman login} writes) for this registry
     * with the given credentials, which may be wrong on purpose.
     */
    public Path writeAuthFile(Path file, String user, String pass) {
        String auth = Base64.getEncoder().encodeToString((user + ":" + pass).getBytes(StandardCharsets.UTF_8));
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "{\"auths\":{\"" + hostPort() + "\":{\"auth\":\"" + auth + "\"}}}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** The token issuer of a registry made by {@link #withTokenAuth}, else null. */
    public TokenIssuer tokenIssuer() {
        return issuer;
    }

    /** The registry's own log, access log included: the place to count requests. */
    public List<String> logLines() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GETs a path under {@code /v2/} with the registry's credentials, returning the raw response. */
    public HttpResponse<byte[]> get(String path, String accept) {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUri().resolve(path)).timeout(Duration.ofSeconds(10));
        if (accept != null) {
            request.header("Accept", accept);
        }
        String basic = "Basic "
                + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        try {
            if (issuer != null) {
                String name = path.replaceFirst("^/v2/", "").replaceFirst("/(manifests|blobs|tags)/.*$", "");
                URI tokenUri = URI
                        .create(issuer.realm() + "?service=" + TokenIssuer.SERVICE + "&scope=repository:" + name + ":pull");
                String body = HTTP.send(HttpRequest.newBuilder(tokenUri).header("Authorization", basic).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                String token = new ObjectMapper().readTree(body).path("token").asText();
                request.header("Authorization", "Bearer " + token);
            } else if (username != null) {
                request.header("Authorization", basic);
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts a stopped registry again on the same port, with the same storage and users. */
    public void restart() {
        if (isRunning()) {
            throw new IllegalStateException("the registry on port " + port + " still runs");
        }
        try {
            launch(Tools.registry());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restart the registry: " + e.getMessage(), e);
        }
    }

    /** Stops the registry process (by its PID), keeping its storage so that it can be inspected. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
        if (issuer != null) {
            issuer.close();
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // leftovers in the temp folder are harmless
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
