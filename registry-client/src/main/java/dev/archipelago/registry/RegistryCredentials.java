package dev.archipelago.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Registry credentials from a containers {@code auth.json} (what {@code podman login} writes; a
 * {@code kubernetes.io/dockerconfigjson} Secret and Docker's {@code config.json} have the same
 * shape). Never printed: {@link #toString()} names only the hosts.
 */
public final class RegistryCredentials {

    /** A user and password for one registry. */
    public record Login(String username, String password) {
        @Override
        public String toString() {
            return "Login[" + username + ", ***]";
        }

        String basicHeader() {
            return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        }
    }

    private final Map<String, Login> byHost;

    private RegistryCredentials(Map<String, Login> byHost) {
        this.byHost = Map.copyOf(byHost);
    }

    public static RegistryCredentials none() {
        return new RegistryCredentials(Map.of());
    }

    /**
     * A user's credentials, where containers tools and Docker keep them, the first file naming a
     * host winning: {@code $REGISTRY_AUTH_FILE}, {@code $XDG_RUNTIME_DIR/containers/auth.json},
     * {@code ~/.config/containers/auth.json}, then Docker's {@code $DOCKER_CONFIG/config.json} or
     * {@code ~/.docker/config.json}. Credential helpers ({@code credsStore}) are not read.
     */
    public static RegistryCredentials forUser(Map<String, String> environment, Path home) {
        List<Path> files = new ArrayList<>();
        Optional.ofNullable(environment.get("REGISTRY_AUTH_FILE")).map(Path::of).ifPresent(files::add);
        Optional.ofNullable(environment.get("XDG_RUNTIME_DIR")).map(d -> Path.of(d, "containers", "auth.json"))
                .ifPresent(files::add);
        files.add(home.resolve(".config/containers/auth.json"));
        files.add(Optional.ofNullable(environment.get("DOCKER_CONFIG")).map(d -> Path.of(d, "config.json"))
                .orElse(home.resolve(".docker/config.json")));
        Map<String, Login> byHost = new HashMap<>();
        for (Path file : files) {
            fromAuthFile(file).byHost.forEach(byHost::putIfAbsent);
        }
        return new RegistryCredentials(byHost);
    }

    /** Reads an auth.json; a missing file means anonymous access everywhere. */
    public static RegistryCredentials fromAuthFile(Path file) {
        if (file == null || !Files.exists(file)) {
            return none();
        }
        try {
            JsonNode auths = new ObjectMapper().readTree(Files.readAllBytes(file)).path("auths");
            Map<String, Login> byHost = new HashMap<>();
            auths.fields().forEachRemaining(entry -> {
                String host = normaliseHost(entry.getKey());
                JsonNode value = entry.getValue();
                if (value.hasNonNull("auth")) {
                    String decoded = new String(Base64.getDecoder().decode(value.get("auth").asText()), StandardCharsets.UTF_8);
                    int colon = decoded.indexOf(':');
                    if (colon > 0) {
                        byHost.put(host, new Login(decoded.substring(0, colon), decoded.substring(colon + 1)));
                    }
                } else if (value.hasNonNull("username") && value.hasNonNull("password")) {
                    byHost.put(host, new Login(value.get("username").asText(), value.get("password").asText()));
                }
            });
            return new RegistryCredentials(byHost);
        } catch (IOException | IllegalArgumentException e) {
            // the message of a parse error could quote the file; say only where it is
            throw new IllegalStateException("cannot read the registry auth file " + file + " (is it a containers auth.json?)");
        }
    }

    public Optional<Login> forHost(String host) {
        return Optional.ofNullable(byHost.get(normaliseHost(host)));
    }

    private static String normaliseHost(String key) {
        String host = key.replaceFirst("^https?://", "");
        int slash = host.indexOf('/');
        host = slash >= 0 ? host.substring(0, slash) : host;
        return host.equals("index.docker.io") || host.equals("registry-1.docker.io") ? "docker.io" : host;
    }

    @Override
    public String toString() {
        return "RegistryCredentials" + byHost.keySet();
    }

}
