package dev.archipelago.dispatcher;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * An OpenID Connect provider as far as a service application needs one: discovery and the
 * signing keys (WireMock on a free loopback port), and access tokens signed with its key. The
 * private key goes to the test through a file named in {@code test.oidc.key-file}.
 */
public class OidcProvider implements QuarkusTestResourceLifecycleManager {

    static final String CLIENT_ID = "archipelago";

    private WireMockServer server;

    @Override
    public Map<String, String> start() {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId("test-key");
            server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
            server.start();
            String issuer = "http://127.0.0.1:" + server.port() + "/realms/archipelago";
            server.stubFor(get(urlPathEqualTo("/realms/archipelago/.well-known/openid-configuration")).willReturn(aResponse()
                    .withHeader("Content-Type", "application/json").withBody("""
                            {"issuer": "%1$s", "jwks_uri": "%1$s/keys", "token_endpoint": "%1$s/token",
                             "authorization_endpoint": "%1$s/auth", "id_token_signing_alg_values_supported": ["RS256"]}"""
                            .formatted(issuer))));
            server.stubFor(get(urlPathEqualTo("/realms/archipelago/keys")).willReturn(aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody(new JsonWebKeySet(key).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY))));
            Path keyFile = Files.createTempFile("oidc-key", ".json");
            Files.writeString(keyFile, key.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
            return Map.of("quarkus.oidc.tenant-enabled", "true",
                    "quarkus.oidc.auth-server-url", issuer,
                    "quarkus.oidc.client-id", CLIENT_ID,
                    "test.oidc.key-file", keyFile.toString(),
                    "test.oidc.issuer", issuer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }

    /**
     * An access token for a user in the given groups, signed with the key of the file, valid for the given seconds (negative:
     * expired).
     */
    static String accessToken(Path keyFile, String issuer, String user, List<String> groups, int validSeconds)
            throws Exception {
        RsaJsonWebKey key = (RsaJsonWebKey) JsonWebKey.Factory.newJwk(Files.readString(keyFile));
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer);
        claims.setSubject(user);
        claims.setClaim("preferred_username", user);
        claims.setAudience(CLIENT_ID);
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(validSeconds / 60f);
        claims.setStringListClaim("groups", groups);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }

    /** A token like {@link #accessToken} but signed with a key the provider never published. */
    static String forgedToken(String issuer, String user, List<String> groups) throws Exception {
        Path other = Files.createTempFile("forged-key", ".json");
        RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("test-key");
        Files.writeString(other, key.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
        try {
            return accessToken(other, issuer, user, groups, 300);
        } finally {
            Files.deleteIfExists(other);
        }
    }
}
