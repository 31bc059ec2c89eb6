package dev.archipelago.infra;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

/**
 * A small token service for the distribution registry's {@code auth: token} mode, for tests: it
 * checks HTTP basic credentials and answers an RS256 JWT granting the requested repository scopes,
 * signed by a self-signed certificate (made with the JDK's keytool) that the registry trusts
 * through its {@code rootcertbundle}.
 */
public final class TokenIssuer implements AutoCloseable {

    public static final String SERVICE = "archipelago-test-registry";
    public static final String ISSUER = "archipelago-test-issuer";

    private final HttpServer server;
    private final PrivateKey key;
    private final X509Certificate certificate;
    private final Path certificatePem;
    private final String username;
    private final String password;
    private final AtomicInteger issued = new AtomicInteger();

    private TokenIssuer(Path dir, String username, String password) throws Exception {
        this.username = username;
        this.password = password;
        Path keystore = dir.resolve("issuer.p12");
        String storePass = UUID.randomUUID().toString();
        Processes.run(Duration.ofSeconds(60), Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "issuer", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=" + ISSUER, "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", storePass, "-keypass", storePass).orThrow();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, storePass.toCharArray());
        }
        this.key = (PrivateKey) store.getKey("issuer", storePass.toCharArray());
        this.certificate = (X509Certificate) store.getCertificate("issuer");
        this.certificatePem = dir.resolve("issuer.pem");
        Files.writeString(certificatePem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/token", exchange -> {
            try (exchange) {
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                String expected = "Basic "
                        + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
                if (!expected.equals(authorization)) {
                    exchange.sendResponseHeaders(401, -1);
                    return;
                }
                byte[] body = tokenResponse(exchange.getRequestURI().getRawQuery());
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
    }

    public static TokenIssuer start(Path dir, String username, String password) {
        try {
            return new TokenIssuer(dir, username, password);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test token issuer: " + e.getMessage(), e);
        }
    }

    public String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    public Path certificatePem() {
        return certificatePem;
    }

    /** How many tokens it has issued: proves a client really took the bearer path. */
    public int issued() {
        return issued.get();
    }

    private byte[] tokenResponse(String query) throws IOException {
        List<Map<String, Object>> access = new ArrayList<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                if (kv.length == 2 && kv[0].equals("scope")) {
                    String[] scope = URLDecoder.decode(kv[1], StandardCharsets.UTF_8).split(":");
                    if (scope.length == 3) {
                        access.add(Map.of("type", scope[0], "name", scope[1], "actions", List.of(scope[2].split(","))));
                    }
                }
            }
        }
        long now = Instant.now().getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", ISSUER);
        claims.put("sub", username);
        claims.put("aud", SERVICE);
        claims.put("exp", now + 300);
        claims.put("nbf", now - 10);
        claims.put("iat", now);
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("access", access);
        ObjectMapper json = new ObjectMapper();
        try {
            String header = base64Url(json.writeValueAsBytes(Map.of("alg", "RS256", "typ", "JWT",
                    "x5c", List.of(Base64.getEncoder().encodeToString(certificate.getEncoded())))));
            String payload = base64Url(json.writeValueAsBytes(claims));
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            String token = header + "." + payload + "." + base64Url(signature.sign());
            issued.incrementAndGet();
            return json.writeValueAsBytes(Map.of("token", token, "access_token", token, "expires_in", 300));
        } catch (Exception e) {
            throw new IOException("cannot sign a token: " + e.getMessage(), e);
        }
    }

    private static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }

}
