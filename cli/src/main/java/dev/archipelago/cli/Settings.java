package dev.archipelago.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where the API is and the token to call it with: {@code ARCHIPELAGO_API} and
 * {@code ARCHIPELAGO_TOKEN} first, then the config file that {@code archipelago login} writes
 * ({@code $XDG_CONFIG_HOME/archipelago/config.json}, else {@code ~/.config/archipelago/config.json},
 * readable by its owner only), then {@code http://localhost:8080} and no token.
 */
record Settings(String api, String token, Path file) {

    static final String DEFAULT_API = "http://localhost:8080";
    private static final ObjectMapper JSON = new ObjectMapper();

    static Settings load(Map<String, String> environment) {
        Path file = configFile(environment);
        String api = null;
        String token = null;
        if (Files.exists(file)) {
            try {
                JsonNode json = JSON.readTree(file.toFile());
                api = json.path("api").asText(null);
                token = json.path("token").asText(null);
            } catch (IOException e) {
                throw CliException.refused("cannot read " + file + " (" + e.getClass().getSimpleName()
                        + "): run `archipelago login` again, or remove the file");
            }
        }
        api = nonBlank(environment.get("ARCHIPELAGO_API"), nonBlank(api, DEFAULT_API));
        token = nonBlank(environment.get("ARCHIPELAGO_TOKEN"), token);
        return new Settings(stripSlash(api), token, file);
    }

    /** The token, or a one-line error saying how to get one. */
    String requireToken() {
        if (token == null) {
            throw CliException.refused("no API token: run `archipelago login`, or set ARCHIPELAGO_TOKEN");
        }
        return token;
    }

    /** Writes the API address and the token, readable by the owner only (mode 600). */
    static void save(Path file, String api, String token) throws IOException {
        Files.createDirectories(file.getParent());
        ObjectNode json = JSON.createObjectNode().put("api", stripSlash(api)).put("token", token);
        Path temporary = Files.createTempFile(file.getParent(), ".config", ".json",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(temporary, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static Path configFile(Map<String, String> environment) {
        String xdg = environment.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(environment.getOrDefault("HOME",
                        System.getProperty("user.home")), ".config");
        return base.resolve("archipelago").resolve("config.json");
    }

    static String checkedApi(String api) {
        try {
            URI uri = URI.create(api);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return stripSlash(api);
        } catch (IllegalArgumentException e) {
            throw CliException
                    .refused("the API address '" + api + "' is not an http(s) URL, for example http://localhost:8080");
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String nonBlank(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.strip();
    }
}
