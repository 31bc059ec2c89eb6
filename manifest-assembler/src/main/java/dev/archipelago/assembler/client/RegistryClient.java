package dev.archipelago.assembler.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OCI distribution API calls the assembler needs: manifests by tag or digest (exact bytes,
 * checked against the digest), blobs, HEAD, PUT of an index, and cross-repository blob mounts.
 *
 * <p>Authenticates the way registries ask: anonymous first, then HTTP basic or a bearer token
 * fetched from the challenge's realm (parameters in any order, quoted or not), with tokens cached
 * per registry, scope and login until they expire. Plain HTTP only for hosts configured as
 * insecure. Retries 5xx, 429 and connection failures with backoff; 401/403 are not retried.
 */
public class RegistryClient {

    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)\\s*=\\s*(?:\"([^\"]*)\"|([^,\\s]+))");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final RegistryCredentials credentials;
    private final Set<String> insecureHosts;
    private final Duration requestTimeout;
    private final int attempts;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    /** A response body with the headers the caller needs. */
    public record Fetched(byte[] body, String mediaType, String digest) {
    }

    private record Token(String value, Instant expires) {
    }

    public RegistryClient(RegistryCredentials credentials, Set<String> insecureHosts, Duration connectTimeout,
                          Duration requestTimeout, int attempts) {
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        this.credentials = credentials;
        this.insecureHosts = Set.copyOf(insecureHosts);
        this.requestTimeout = requestTimeout;
        this.attempts = attempts;
    }

    /** GETs a manifest; by digest the bytes are checked against it. */
    public Fetched getManifest(String host, String repository, String reference, String accept) {
        HttpResponse<byte[]> response = send(host, repository, "pull", "GET", manifestPath(repository, reference), accept, null, null);
        expect(response, 200, host, "manifest " + repository + "@" + reference);
        String digest = sha256(response.body());
        if (reference.startsWith("sha256:") && !reference.equals(digest)) {
            throw new RegistryException(RegistryException.Kind.INVALID, 200, host + " returned a manifest for " + reference
                    + " whose bytes hash to " + digest);
        }
        String type = response.headers().firstValue("Content-Type").map(RegistryClient::baseType).orElse(null);
        return new Fetched(response.body(), type, digest);
    }

    /** The digest a tag points at now, or empty when the tag does not exist. */
    public Optional<String> headManifest(String host, String repository, String tag, String accept) {
        HttpResponse<byte[]> response = send(host, repository, "pull", "HEAD", manifestPath(repository, tag), accept, null, null);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        expect(response, 200, host, "manifest " + repository + ":" + tag);
        return response.headers().firstValue("Docker-Content-Digest");
    }

    /** GETs a blob and checks it against its digest. */
    public byte[] getBlob(String host, String repository, String digest) {
        HttpResponse<byte[]> response = send(host, repository, "pull", "GET",
                "/v2/" + repository + "/blobs/" + digest, null, null, null);
        expect(response, 200, host, "blob " + repository + "@" + digest);
        if (!sha256(response.body()).equals(digest)) {
            throw new RegistryException(RegistryException.Kind.INVALID, 200, host + " returned blob " + digest + " with other content");
        }
        return response.body();
    }

    public boolean blobExists(String host, String repository, String digest) {
        HttpResponse<byte[]> response = send(host, repository, "pull", "HEAD",
                "/v2/" + repository + "/blobs/" + digest, null, null, null);
        if (response.statusCode() == 404) {
            return false;
        }
        expect(response, 200, host, "blob " + repository + "@" + digest);
        return true;
    }

    /**
     * Mounts a blob from another repository of the same registry without moving its bytes.
     *
     * @return true when mounted; false when the registry would not mount (it opened an upload
     *         session instead, which is cancelled)
     */
    public boolean mountBlob(String host, String repository, String digest, String fromRepository) {
        String path = "/v2/" + repository + "/blobs/uploads/?mount=" + encode(digest) + "&from=" + encode(fromRepository);
        HttpResponse<byte[]> response = send(host, repository + "," + fromRepository, "pull,push", "POST", path, null, null, new byte[0]);
        if (response.statusCode() == 201) {
            return true;
        }
        if (response.statusCode() == 202) {
            response.headers().firstValue("Location").ifPresent(location ->
                    send(host, repository, "pull,push", "DELETE", location, null, null, null));
            return false;
        }
        expect(response, 201, host, "mount of " + digest + " from " + fromRepository + " into " + repository);
        return false;
    }

    /** PUTs a manifest or index under a tag or digest; returns the digest the registry computed. */
    public String putManifest(String host, String repository, String reference, String mediaType, byte[] body) {
        HttpResponse<byte[]> response = send(host, repository, "pull,push", "PUT", manifestPath(repository, reference), null,
                mediaType, body);
        expect(response, 201, host, "PUT of manifest " + repository + ":" + reference);
        String digest = response.headers().firstValue("Docker-Content-Digest").orElse(sha256(body));
        if (!digest.equals(sha256(body))) {
            throw new RegistryException(RegistryException.Kind.INVALID, 201, host + " stored " + repository + ":" + reference
                    + " as " + digest + " but the bytes sent hash to " + sha256(body));
        }
        return digest;
    }

    public static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<byte[]> send(String host, String repositories, String actions, String method, String path,
                                      String accept, String contentType, byte[] body) {
        URI uri = path.startsWith("http") ? URI.create(path) : URI.create(scheme(host) + "://" + host + path);
        String scope = scope(repositories, actions);
        String tokenKey = host + "|" + scope;
        Duration backoff = Duration.ofMillis(200);
        for (int attempt = 1; ; attempt++) {
            try {
                String authorization = cachedAuthorization(host, tokenKey);
                HttpResponse<byte[]> response = http.send(request(uri, method, accept, contentType, body, authorization),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() == 401) {
                    String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
                    String answer = answer(host, challenge, scope, tokenKey);
                    if (answer != null && !answer.equals(authorization)) {
                        response = http.send(request(uri, method, accept, contentType, body, answer),
                                HttpResponse.BodyHandlers.ofByteArray());
                    }
                }
                if ((response.statusCode() >= 500 || response.statusCode() == 429) && attempt < attempts) {
                    Log.debugf("%s %s on %s answered %d; retrying", method, path, host, response.statusCode());
                    sleep(backoff);
                    backoff = backoff.multipliedBy(3);
                    continue;
                }
                return response;
            } catch (ConnectException | HttpTimeoutException e) {
                if (attempt >= attempts) {
                    throw new RegistryException(RegistryException.Kind.UNAVAILABLE, 0, "registry " + host + " did not answer "
                            + method + " " + path + " after " + attempts + " attempts: " + e.getClass().getSimpleName());
                }
                sleep(backoff);
                backoff = backoff.multipliedBy(3);
            } catch (IOException e) {
                if (attempt >= attempts) {
                    throw new RegistryException(RegistryException.Kind.UNAVAILABLE, 0, "registry " + host + " failed "
                            + method + " " + path + ": " + e.getMessage());
                }
                sleep(backoff);
                backoff = backoff.multipliedBy(3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(RegistryException.Kind.UNAVAILABLE, 0, "interrupted calling " + host);
            }
        }
    }

    private HttpRequest request(URI uri, String method, String accept, String contentType, byte[] body, String authorization) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(requestTimeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (accept != null) {
            builder.header("Accept", accept);
        }
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder.build();
    }

    private String cachedAuthorization(String host, String tokenKey) {
        Token token = tokens.get(tokenKey);
        if (token != null && token.expires().isAfter(Instant.now())) {
            return token.value();
        }
        return null;
    }

    /** Answers a 401 challenge: basic with the login, or a bearer token from the realm. */
    private String answer(String host, String challenge, String scope, String tokenKey) throws IOException, InterruptedException {
        Optional<RegistryCredentials.Login> login = credentials.forHost(host);
        String lower = challenge.toLowerCase(Locale.ROOT);
        if (lower.startsWith("basic")) {
            String header = login.map(RegistryCredentials.Login::basicHeader).orElse(null);
            if (header != null) {
                tokens.put(tokenKey, new Token(header, Instant.now().plus(Duration.ofHours(1))));
            }
            return header;
        }
        if (!lower.startsWith("bearer")) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = CHALLENGE_PARAM.matcher(challenge.substring("bearer".length()));
        while (m.find()) {
            params.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2) != null ? m.group(2) : m.group(3));
        }
        String realm = params.get("realm");
        if (realm == null) {
            return null;
        }
        StringBuilder query = new StringBuilder();
        if (params.containsKey("service")) {
            query.append("service=").append(encode(params.get("service")));
        }
        String tokenScope = params.getOrDefault("scope", scope);
        for (String part : tokenScope.split(" ")) {
            query.append(query.length() == 0 ? "" : "&").append("scope=").append(encode(part));
        }
        HttpRequest.Builder tokenRequest = HttpRequest.newBuilder(URI.create(realm + (realm.contains("?") ? "&" : "?") + query))
                .timeout(requestTimeout).GET();
        login.ifPresent(l -> tokenRequest.header("Authorization", l.basicHeader()));
        HttpResponse<byte[]> response = http.send(tokenRequest.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new RegistryException(RegistryException.Kind.UNAUTHORIZED, response.statusCode(),
                    "the token service of " + host + " refused a token for " + tokenScope + " (" + response.statusCode() + ")");
        }
        JsonNode json = JSON.readTree(response.body());
        String token = json.hasNonNull("token") ? json.get("token").asText() : json.path("access_token").asText(null);
        if (token == null) {
            throw new RegistryException(RegistryException.Kind.UNAUTHORIZED, 200, "the token service of " + host + " returned no token");
        }
        long lifetime = Math.max(60, json.path("expires_in").asLong(60));
        String header = "Bearer " + token;
        tokens.put(tokenKey, new Token(header, Instant.now().plusSeconds(lifetime - 10)));
        return header;
    }

    private String scheme(String host) {
        return insecureHosts.contains(host) ? "http" : "https";
    }

    private static void expect(HttpResponse<byte[]> response, int expected, String host, String what) {
        int status = response.statusCode();
        if (status == expected) {
            return;
        }
        String body = new String(response.body(), StandardCharsets.UTF_8);
        String summary = body.length() > 300 ? body.substring(0, 300) : body;
        RegistryException.Kind kind = switch (status) {
            case 401, 403 -> RegistryException.Kind.UNAUTHORIZED;
            case 404 -> RegistryException.Kind.NOT_FOUND;
            case 400, 409, 412, 415 -> RegistryException.Kind.INVALID;
            default -> RegistryException.Kind.UNAVAILABLE;
        };
        throw new RegistryException(kind, status, "registry " + host + " answered " + status + " to " + what
                + (kind == RegistryException.Kind.UNAUTHORIZED ? " (the credentials for " + host + " were refused or are missing)"
                : ": " + summary.strip()));
    }

    private static String manifestPath(String repository, String reference) {
        return "/v2/" + repository + "/manifests/" + reference;
    }

    private static String scope(String repositories, String actions) {
        StringBuilder scope = new StringBuilder();
        String[] repos = repositories.split(",");
        for (int i = 0; i < repos.length; i++) {
            scope.append(i == 0 ? "" : " ").append("repository:").append(repos[i]).append(':').append(i == 0 ? actions : "pull");
        }
        return scope.toString();
    }

    private static String baseType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.Kind.UNAVAILABLE, 0, "interrupted while retrying");
        }
    }
}
