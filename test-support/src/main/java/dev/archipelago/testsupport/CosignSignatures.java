package dev.archipelago.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.archipelago.infra.LocalRegistry;
import dev.archipelago.infra.Processes;
import dev.archipelago.infra.Tools;

/**
 * Checks an image's cosign signatures the way a sigstoreSigned policy does, with OpenSSL doing the
 * cryptography: the {@code sha256-<hex>.sig} manifest is read from the registry, each
 * simple-signing payload must name the image's repository and digest, and its signature must
 * verify with the public key ({@code openssl dgst -sha256 -verify}). Debian's skopeo, podman and
 * buildah are built with sigstore verification disabled, so the tests cannot ask them.
 */
public final class CosignSignatures {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAYLOAD_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
    private static final String SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";

    private CosignSignatures() {
    }

    /** Whether the image holds a signature that verifies; the reasons when it does not. */
    public record Verdict(boolean verified, List<String> reasons) {
    }

    /** Checks {@code registry/repository@digest} against a PEM public key. */
    public static Verdict verify(LocalRegistry registry, String repository, String digest, Path publicKey) {
        List<String> reasons = new ArrayList<>();
        HttpResponse<byte[]> signatures = registry.get("/v2/" + repository + "/manifests/" + digest.replace(':', '-') + ".sig",
                "application/vnd.oci.image.manifest.v1+json");
        if (signatures.statusCode() != 200) {
            return new Verdict(false, List.of("no signature tag (" + signatures.statusCode() + ")"));
        }
        try {
            Path folder = Files.createTempDirectory("cosign-check");
            int n = 0;
            for (JsonNode layer : JSON.readTree(signatures.body()).path("layers")) {
                n++;
                if (!layer.path("mediaType").asText().equals(PAYLOAD_TYPE)) {
                    reasons.add("layer " + n + " is " + layer.path("mediaType").asText());
                    continue;
                }
                byte[] payload = registry.get("/v2/" + repository + "/blobs/" + layer.path("digest").asText(), "*/*").body();
                JsonNode critical = JSON.readTree(payload).path("critical");
                String reference = registry.hostPort() + "/" + repository;
                if (!critical.path("type").asText().equals("cosign container image signature")
                        || !critical.path("image").path("docker-manifest-digest").asText().equals(digest)
                        || !critical.path("identity").path("docker-reference").asText().equals(reference)) {
                    reasons.add("layer " + n + " signs " + critical + ", not " + reference + "@" + digest);
                    continue;
                }
                Path payloadFile = Files.write(folder.resolve("payload-" + n), payload);
                Path signatureFile = Files.write(folder.resolve("signature-" + n),
                        Base64.getDecoder().decode(layer.path("annotations").path(SIGNATURE_ANNOTATION).asText()));
                Processes.Result openssl = Processes.run(Duration.ofSeconds(30), Tools.require("openssl", "openssl").toString(),
                        "dgst",
                        "-sha256", "-verify", publicKey.toString(), "-signature", signatureFile.toString(),
                        payloadFile.toString());
                if (openssl.ok() && openssl.stdout().contains("Verified OK")) {
                    return new Verdict(true, List.of());
                }
                reasons.add("layer " + n + ": openssl says " + (openssl.stdout() + openssl.stderr()).strip());
            }
            return new Verdict(false, reasons.isEmpty() ? List.of("no signature layers") : reasons);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
