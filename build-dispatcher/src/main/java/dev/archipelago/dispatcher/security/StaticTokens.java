package dev.archipelago.dispatcher.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.archipelago.dispatcher.config.DispatcherConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;

/**
 * The static API tokens of the configuration, by the SHA-256 of the token: the tokens themselves
 * are never configured, stored or logged. Checked at startup, so a typo in a role, a hash or a
 * pattern stops the dispatcher with a message instead of locking someone out later.
 */
@Startup
@ApplicationScoped
public class StaticTokens {

    /** A configured token: its name (shown as the caller), role and the repositories it may build for. */
    public record Entry(String name, byte[] sha256, String role, List<RepositoryGlob> repositories, List<String> teams) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, List<RepositoryGlob>> teams;

    public StaticTokens(DispatcherConfig config) {
        DispatcherConfig.Auth auth = config.auth();
        this.teams = new HashMap<>();
        auth.teams().forEach((team, settings) -> teams.put(team, globs("team " + team, settings.repositories())));
        auth.tokens().forEach((name, token) -> entries.add(entry(name, token)));
        if (entries.isEmpty()) {
            Log.info("no static API tokens configured: the API answers only OIDC tokens, if OIDC is enabled");
        } else {
            Log.infof("%d static API token(s) configured: %s", entries.size(), entries.stream().map(Entry::name).toList());
        }
    }

    /** The entry whose hash is the token's, compared in constant time; empty for an unknown token. */
    public Optional<Entry> find(String token) {
        byte[] hash = sha256(token);
        Entry found = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.sha256(), hash)) {
                found = entry;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The repository patterns of a team; empty for a team not configured. */
    public List<RepositoryGlob> team(String name) {
        return teams.getOrDefault(name, List.of());
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Entry entry(String name, DispatcherConfig.ApiToken token) {
        String where = "archipelago.dispatcher.auth.tokens." + name;
        String hex = token.sha256().strip().toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new IllegalStateException(where + ".sha256 must be 64 hex digits (printf %s \"$TOKEN\" | sha256sum)");
        }
        String role = token.role().roleName();
        List<String> teamNames = token.teams().orElse(List.of());
        for (String team : teamNames) {
            if (!teams.containsKey(team)) {
                throw new IllegalStateException(
                        where + ".teams names team '" + team + "', which archipelago.dispatcher.auth.teams does not configure");
            }
        }
        return new Entry(name, HexFormat.of().parseHex(hex), role,
                globs(where + ".repositories", token.repositories().orElse(List.of())), teamNames);
    }

    private static List<RepositoryGlob> globs(String where, List<String> patterns) {
        List<RepositoryGlob> globs = new ArrayList<>();
        for (String pattern : patterns) {
            try {
                globs.add(RepositoryGlob.of(pattern));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(where + ": " + e.getMessage());
            }
        }
        return List.copyOf(globs);
    }
}
