package dev.archipelago.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class LocalRegistryTest {

    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void storesABlobAndAManifestAndGivesBackTheExactBytes() throws Exception {
        try (LocalRegistry registry = LocalRegistry.anonymous()) {
            byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                    .getBytes(StandardCharsets.UTF_8);
            String configDigest = uploadBlob(registry, "test/app", config, null);
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                    + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":"
                    + config.length + "},\"layers\":[]}").getBytes(StandardCharsets.UTF_8);

            HttpResponse<String> put = http.send(HttpRequest.newBuilder(registry.baseUri().resolve("/v2/test/app/manifests/v1"))
                    .header("Content-Type", OCI_MANIFEST)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
            assertThat(put.headers().firstValue("Docker-Content-Digest")).hasValue(sha256(manifest));

            HttpResponse<byte[]> byTag = registry.get("/v2/test/app/manifests/v1", OCI_MANIFEST);
            assertThat(byTag.statusCode()).isEqualTo(200);
            assertThat(byTag.body()).isEqualTo(manifest);
            assertThat(registry.get("/v2/test/app/manifests/" + sha256(manifest), OCI_MANIFEST).body()).isEqualTo(manifest);
            assertThat(registry.get("/v2/test/app/blobs/" + configDigest, null).body()).isEqualTo(config);
            assertThat(registry.logLines()).anyMatch(line -> line.contains("PUT /v2/test/app/manifests/v1"));
        }
    }

    @Test
    void refusesAnonymousClientsWhenBasicAuthIsOn() throws Exception {
        try (LocalRegistry registry = LocalRegistry.withBasicAuth("robot", "s3cret-for-test")) {
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(registry.baseUri().resolve("/v2/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));

            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(registry.baseUri().resolve("/v2/"))
                    .header("Authorization", basic("robot", "wrong")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);

            assertThat(registry.get("/v2/", null).statusCode()).isEqualTo(200);
            String digest = uploadBlob(registry, "private/app", "hello".getBytes(StandardCharsets.UTF_8),
                    basic("robot", "s3cret-for-test"));
            assertThat(registry.get("/v2/private/app/blobs/" + digest, null).body()).asString().isEqualTo("hello");
        }
    }

    private String uploadBlob(LocalRegistry registry, String repository, byte[] content, String authorization)
            throws Exception {
        HttpRequest.Builder start = HttpRequest.newBuilder(registry.baseUri().resolve("/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            start.header("Authorization", authorization);
        }
        HttpResponse<String> session = http.send(start.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(session.statusCode()).as(session.body()).isEqualTo(202);
        String location = session.headers().firstValue("Location").orElseThrow();
        String digest = sha256(content);
        URI target = registry.baseUri().resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + digest);
        HttpRequest.Builder put = HttpRequest.newBuilder(target).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content));
        if (authorization != null) {
            put.header("Authorization", authorization);
        }
        HttpResponse<String> done = http.send(put.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(done.statusCode()).as(done.body()).isEqualTo(201);
        return digest;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void acceptsOnlyBearerTokensFromItsIssuerWhenTokenAuthIsOn() throws Exception {
        try (LocalRegistry registry = LocalRegistry.withTokenAuth("robot", "token-pass-for-test")) {
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(registry.baseUri().resolve("/v2/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                    .startsWith("Bearer").contains(registry.tokenIssuer().realm()).contains("archipelago-test-registry"));

            HttpResponse<String> badToken = http.send(HttpRequest.newBuilder(registry.baseUri().resolve("/v2/"))
                    .header("Authorization", "Bearer not.a.token").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(badToken.statusCode()).isEqualTo(401);

            assertThat(registry.get("/v2/private/app/tags/list", null).statusCode()).as("a token from the issuer works")
                    .isIn(200, 404);
            assertThat(registry.tokenIssuer().issued()).isEqualTo(1);
        }
    }
}
