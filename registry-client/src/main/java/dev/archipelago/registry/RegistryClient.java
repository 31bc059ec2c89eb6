package dev.archipelago.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.failure.Backoff;
import dev.archipelago.model.Digests;

/**
 * The OCI distribution API calls Archipelago makes: manifests by tag or digest (exact bytes,
 * checked against the digest), blobs (into memory or streamed to a file, checked, with a size
 * limit), HEAD, pushes of blobs and manifests, and cross-repository blob mounts.
 *
 * <p>
 * Authenticates the way registries ask: anonymous first, then HTTP basic or a bearer token
 * fetched from the challenge's realm (parameters in any order, quoted or not), with tokens cached
 * per registry, scope and login until they expire. Plain HTTP only for hosts configured as
 * insecure. Retries 5xx, 429 and connection failures a few times with the {@link Backoff#standard()
 * standard backoff}; 401/403 are not retried. Never puts a credential into a message.
 */
public class RegistryClient {

    private static final System.Logger LOG = System.getLogger(RegistryClient.class.getName());
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

    /** What a request sends: none, bytes, or a file (a fresh publisher for every try). */
    private record Body(String contentType, Supplier<HttpRequest.BodyPublisher> publisher) {
        static final Body NONE = new Body(null, HttpRequest.BodyPublishers::noBody);

        static Body of(String contentType, byte[] bytes) {
            return new Body(contentType, () -> HttpRequest.BodyPublishers.ofByteArray(bytes));
        }
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
        HttpResponse<byte[]> response = send(Access.pull(host, repository), "GET", manifestPath(repository, reference), accept,
                Body.NONE);
        expect(response, 200, host, "manifest " + repository + "@" + reference);
        String digest = Digests.sha256(response.body());
        if (reference.startsWith("sha256:") && !reference.equals(digest)) {
            throw new RegistryException(RegistryException.Kind.INVALID, 200, host + " returned a manifest for " + reference
                    + " whose bytes hash to " + digest);
        }
        String type = response.headers().firstValue("Content-Type").map(RegistryClient::baseType).orElse(null);
        return new Fetched(response.body(), type, digest);
    }

    /** The digest a tag points at now, or empty when the tag does not exist. */
    public Optional<String> headManifest(String host, String repository, String tag, String accept) {
        HttpResponse<byte[]> response = send(Access.pull(host, repository), "HEAD", manifestPath(repository, tag), accept,
                Body.NONE);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        expect(response, 200, host, "manifest " + repository + ":" + tag);
        return response.headers().firstValue("Docker-Content-Digest");
    }

    /**
     * The referrers of a digest from the registry's referrers API (OCI distribution 1.1): the index
     * it answers, or empty when the registry has no such API (it answers 404, as distribution 2.x
     * does), in which case clients keep the referrers tag schema's {@code sha256-<hex>} index.
     */
    public Optional<byte[]> getReferrers(String host, String repository, String digest) {
        HttpResponse<byte[]> response = send(Access.pull(host, repository), "GET", "/v2/" + repository + "/referrers/" + digest,
                "application/vnd.oci.image.index.v1+json", Body.NONE);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        expect(response, 200, host, "referrers of " + repository + "@" + digest);
        return Optional.of(response.body());
    }

    /** GETs a blob and checks it against its digest. */
    public byte[] getBlob(String host, String repository, String digest) {
        HttpResponse<byte[]> response = send(Access.pull(host, repository), "GET", blobPath(repository, digest), null,
                Body.NONE);
        expect(response, 200, host, "blob " + repository + "@" + digest);
        if (!Digests.sha256(response.body()).equals(digest)) {
            throw new RegistryException(RegistryException.Kind.INVALID, 200,
                    host + " returned blob " + digest + " with other content");
        }
        return response.body();
    }

    /**
     * Streams a blob into {@code target}, checking its digest and that it holds at most
     * {@code maxBytes}: a blob over the limit is refused ({@link RegistryException.Kind#TOO_LARGE})
     * as soon as it passes it, and the file is removed.
     */
    public void getBlobTo(String host, String repository, String digest, Path target, long maxBytes) {
        HttpResponse<InputStream> response = send(Access.pull(host, repository), "GET", blobPath(repository, digest), null,
                Body.NONE,
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            try (InputStream in = response.body()) {
                expect(response.statusCode(), new String(in.readNBytes(300), StandardCharsets.UTF_8), 200, host,
                        "blob " + repository + "@" + digest);
            } catch (IOException e) {
                expect(response.statusCode(), "", 200, host, "blob " + repository + "@" + digest);
            }
        }
        long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (declared > maxBytes) {
            closeQuietly(response.body());
            throw tooLarge(host, repository, digest, declared, maxBytes);
        }
        MessageDigest sha = Digests.newSha256();
        long total = 0;
        try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(target)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0;) {
                total += n;
                if (total > maxBytes) {
                    throw tooLarge(host, repository, digest, total, maxBytes);
                }
                sha.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            deleteQuietly(target);
            throw new RegistryException(RegistryException.Kind.UNAVAILABLE, 0, "registry " + host + " broke off blob "
                    + repository + "@" + digest + ": " + e.getMessage());
        } catch (RegistryException e) {
            deleteQuietly(target);
            throw e;
        }
        String actual = Digests.of(sha);
        if (!actual.equals(digest)) {
            deleteQuietly(target);
            throw new RegistryException(RegistryException.Kind.INVALID, 200, host + " returned blob " + digest
                    + " whose bytes hash to " + actual);
        }
    }

    public boolean blobExists(String host, String repository, String digest) {
        HttpResponse<byte[]> response = send(Access.pull(host, repository), "HEAD", blobPath(repository, digest), null,
                Body.NONE);
        if (response.statusCode() == 404) {
            return false;
        }
        expect(response, 200, host, "blob " + repository + "@" + digest);
        return true;
    }

    /** Pushes a blob held in memory, unless the repository has it already; returns its digest. */
    public String pushBlob(String host, String repository, byte[] bytes) {
        String digest = Digests.sha256(bytes);
        pushBlob(host, repository, digest, Body.of("application/octet-stream", bytes));
        return digest;
    }

    /** Pushes a file whose digest is known, unless the repository has it already (one upload, one PUT). */
    public void pushBlob(String host, String repository, String digest, Path file) {
        pushBlob(host, repository, digest, new Body("application/octet-stream", () -> {
            try {
                return HttpRequest.BodyPublishers.ofFile(file);
            } catch (IOException e) {
                throw new RegistryException(RegistryException.Kind.INVALID, 0, "cannot read " + file + ": " + e.getMessage());
            }
        }));
    }

    private void pushBlob(String host, String repository, String digest, Body content) {
        if (blobExists(host, repository, digest)) {
            return;
        }
        HttpResponse<byte[]> started = send(Access.push(host, repository), "POST", "/v2/" + repository + "/blobs/uploads/",
                null,
                Body.of(null, new byte[0]));
        expect(started, 202, host, "an upload to " + repository);
        String location = started.headers().firstValue("Location").orElseThrow(() -> new RegistryException(
                RegistryException.Kind.INVALID, 202, "registry " + host + " opened an upload without a Location"));
        String put = location + (location.contains("?") ? "&" : "?") + "digest=" + encode(digest);
        HttpResponse<byte[]> done = send(Access.push(host, repository), "PUT", put, null, content);
        expect(done, 201, host, "the upload of " + digest + " to " + repository);
    }

    /**
     * Mounts a blob from another repository of the same registry without moving its bytes.
     *
     * @return true when mounted; false when the registry would not mount (it opened an upload
     *         session instead, which is cancelled)
     */
    public boolean mountBlob(String host, String repository, String digest, String fromRepository) {
        String path = "/v2/" + repository + "/blobs/uploads/?mount=" + encode(digest) + "&from=" + encode(fromRepository);
        HttpResponse<byte[]> response = send(Access.mount(host, repository, fromRepository), "POST", path, null,
                Body.of(null, new byte[0]));
        if (response.statusCode() == 201) {
            return true;
        }
        if (response.statusCode() == 202) {
            response.headers().firstValue("Location")
                    .ifPresent(location -> send(Access.push(host, repository), "DELETE", location, null, Body.NONE));
            return false;
        }
        expect(response, 201, host, "mount of " + digest + " from " + fromRepository + " into " + repository);
        return false;
    }

    /** PUTs a manifest or index under a tag or digest; returns the digest the registry computed. */
    public String putManifest(String host, String repository, String reference, String mediaType, byte[] body) {
        HttpResponse<byte[]> response = send(Access.push(host, repository), "PUT", manifestPath(repository, reference), null,
                Body.of(mediaType, body));
        expect(response, 201, host, "PUT of manifest " + repository + ":" + reference);
        String digest = response.headers().firstValue("Docker-Content-Digest").orElse(Digests.sha256(body));
        if (!digest.equals(Digests.sha256(body))) {
            throw new RegistryException(RegistryException.Kind.INVALID, 201, host + " stored " + repository + ":" + reference
                    + " as " + digest + " but the bytes sent hash to " + Digests.sha256(body));
        }
        return digest;
    }

    /**
     * What a call needs the registry to allow, as a token scope: pull (or pull and push) on a
     * repository, and pull on the repository a blob is mounted from.
     */
    private record Access(String host, String repository, boolean push, String mountedFrom) {

        static Access pull(String host, String repository) {
            return new Access(host, repository, false, null);
        }

        static Access push(String host, String repository) {
            return new Access(host, repository, true, null);
        }

        static Access mount(String host, String repository, String mountedFrom) {
            return new Access(host, repository, true, mountedFrom);
        }

        String tokenScope() {
            String scope = "repository:" + repository + ":" + (push ? "pull,push" : "pull");
            return mountedFrom == null ? scope : scope + " repository:" + mountedFrom + ":pull";
        }
    }

    private HttpResponse<byte[]> send(Access access, String method, String path, String accept, Body body) {
        return send(access, method, path, accept, body, HttpResponse.BodyHandlers.ofByteArray());
    }

    private <T> HttpResponse<T> send(Access access, String method, String path, String accept, Body body,
            HttpResponse.BodyHandler<T> handler) {
        String host = access.host();
        URI uri = path.startsWith("http") ? URI.create(path) : URI.create(scheme(host) + "://" + host + path);
        String scope = access.tokenScope();
        String tokenKey = host + "|" + scope;
        Backoff backoff = Backoff.standard();
        for (int attempt = 1;; attempt++) {
            try {
                String authorization = cachedAuthorization(tokenKey);
                HttpResponse<T> response = http.send(request(uri, method, accept, body, authorization), handler);
                if (response.statusCode() == 401) {
                    String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
                    String answer = answer(host, challenge, scope, tokenKey);
                    if (answer != null && !answer.equals(authorization)) {
                        discard(response);
                        response = http.send(request(uri, method, accept, body, answer), handler);
                    }
                }
                if ((response.statusCode() >= 500 || response.statusCode() == 429) && attempt < attempts) {
                    LOG.log(System.Logger.Level.DEBUG, "{0} {1} on {2} answered {3}; retrying", method, path, host,
                            response.statusCode());
                    discard(response);
                    sleep(backoff.next());
                    continue;
                }
                return response;
            } catch (ConnectException | HttpTimeoutException e) {
                if (attempt >= attempts) {
                    throw new RegistryException(RegistryException.Kind.UNAVAILABLE, 0, "registry " + host + " did not answer "
                            + method + " " + uri.getPath() + " after " + attempts + " attempts: "
                            + e.getClass().getSimpleName());
                }
                sleep(backoff.next());
            } catch (IOException e) {
                if (attempt >= attempts) {
                    throw new RegistryException(RegistryException.Kind.UNAVAILABLE, 0, "registry " + host + " failed "
                            + method + " " + uri.getPath() + ": " + e.getMessage());
                }
                sleep(backoff.next());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(RegistryException.Kind.UNAVAILABLE, 0, "interrupted calling " + host);
            }
        }
    }

    private HttpRequest request(URI uri, String method, String accept, Body body, String authorization) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(requestTimeout).method(method,
                body.publisher().get());
        if (accept != null) {
            builder.header("Accept", accept);
        }
        if (body.contentType() != null) {
            builder.header("Content-Type", body.contentType());
        }
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder.build();
    }

    private String cachedAuthorization(String tokenKey) {
        Token token = tokens.get(tokenKey);
        if (token != null && token.expires().isAfter(Instant.now())) {
            return token.value();
        }
        return null;
    }

    /** Answers a 401 challenge: basic with the login, or a bearer token from the realm. */
    private String answer(String host, String challenge, String scope, String tokenKey)
            throws IOException, InterruptedException {
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
            throw new RegistryException(RegistryException.Kind.UNAUTHORIZED, 200,
                    "the token service of " + host + " returned no token");
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
        expect(response.statusCode(), new String(response.body(), StandardCharsets.UTF_8), expected, host, what);
    }

    private static void expect(int status, String body, int expected, String host, String what) {
        if (status == expected) {
            return;
        }
        String summary = body.length() > 300 ? body.substring(0, 300) : body;
        RegistryException.Kind kind = switch (status) {
            case 401, 403 -> RegistryException.Kind.UNAUTHORIZED;
            case 404 -> RegistryException.Kind.NOT_FOUND;
            case 400, 409, 412, 415 -> RegistryException.Kind.INVALID;
            default -> RegistryException.Kind.UNAVAILABLE;
        };
        throw new RegistryException(kind, status, "registry " + host + " answered " + status + " to " + what
                + (kind == RegistryException.Kind.UNAUTHORIZED
                        ? " (the credentials for " + host + " were refused or are missing)"
                        : ": " + summary.strip()));
    }

    private static RegistryException tooLarge(String host, String repository, String digest, long size, long maxBytes) {
        return new RegistryException(RegistryException.Kind.TOO_LARGE, 200, "blob " + repository + "@" + digest + " on " + host
                + " is over the limit of " + maxBytes + " bytes (" + (size > maxBytes ? "at least " + size : size) + " bytes)");
    }

    private static String manifestPath(String repository, String reference) {
        return "/v2/" + repository + "/manifests/" + reference;
    }

    private static String blobPath(String repository, String digest) {
        return "/v2/" + repository + "/blobs/" + digest;
    }

    private static String baseType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static void discard(HttpResponse<?> response) {
        if (response.body() instanceof InputStream in) {
            closeQuietly(in);
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing more to read from it
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a partial download in a work folder that is removed with the build
        }
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
