package dev.archipelago.assembler.supplychain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.archipelago.infra.Processes;
import dev.archipelago.infra.Tools;
import dev.archipelago.registry.signing.SigningKey;

/** The signing key as openssl writes it, and every way a key file can be wrong, without the file ever quoted. */
class SigningKeyTest {

    @TempDir
    Path folder;

    @Test
    void readsOpensslKeysInBothFormatsAndDerivesTheirPublicHalf() throws Exception {
        Path pkcs8 = folder.resolve("pkcs8.pem");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", pkcs8.toString());
        Path sec1 = folder.resolve("sec1.pem");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", sec1.toString());
        for (Path key : new Path[] { pkcs8, sec1 }) {
            String expected = openssl("pkey", "-in", key.toString(), "-pubout");
            SigningKey signing = SigningKey.read(key);
            assertThat(signing.publicKeyPem().replace("\n", "")).as(key.getFileName().toString())
                    .isEqualTo(expected.replace("\n", ""));
            byte[] payload = "payload".getBytes(StandardCharsets.UTF_8);
            assertThat(signing.verifies(payload, signing.sign(payload))).isTrue();
            assertThat(signing.verifies("other".getBytes(StandardCharsets.UTF_8), signing.sign(payload))).isFalse();
        }
    }

    @Test
    void refusesWhatIsNoUsableKeyWithAMessageThatNeverQuotesTheFile() throws Exception {
        String marker = "c2VjcmV0LW1hcmtlcg";
        Path garbage = Files.writeString(folder.resolve("garbage.pem"), "not a key " + marker + "\n");
        Path broken = Files.writeString(folder.resolve("broken.pem"), "-----BEGIN PRIVATE KEY-----\n" + marker
                + "AAAA\n-----END PRIVATE KEY-----\n");
        Path encrypted = folder.resolve("encrypted.pem");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:" + marker,
                "-out", encrypted.toString());
        Path cosign = Files.writeString(folder.resolve("cosign.key"), "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
                + "eyJrZGYiOnsibmFtZSI6InNjcnlwdCJ9fQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n");
        Path rsa = folder.resolve("rsa.pem");
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsa.toString());
        Path p384 = folder.resolve("p384.pem");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", p384.toString());

        assertRefused(garbage, "holds no PEM block; expected an unencrypted ECDSA P-256 private key", marker);
        assertRefused(broken, "is not an ECDSA P-256 private key", marker);
        assertRefused(encrypted, "is encrypted (ENCRYPTED PRIVATE KEY)", marker);
        assertRefused(cosign, "is encrypted (ENCRYPTED SIGSTORE PRIVATE KEY)", "eyJrZGYiOnsibmFtZSI6InNjcnlwdCJ9fQ");
        assertRefused(rsa, "is not an ECDSA P-256 private key", body(rsa));
        assertRefused(p384, "is an EC key on a 384-bit curve", body(p384));
        assertRefused(folder.resolve("missing.pem"), "cannot be read", marker);
    }

    private static void assertRefused(Path file, String says, String secret) {
        assertThatThrownBy(() -> SigningKey.read(file)).isInstanceOf(SigningKey.InvalidSigningKeyException.class)
                .hasMessageStartingWith("the signing key " + file).hasMessageContaining(says)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret));
    }

    private static String body(Path pem) throws Exception {
        return Files.readString(pem).lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    }

    private static String openssl(String... arguments) {
        String[] command = new String[arguments.length + 1];
        command[0] = Tools.require("openssl", "openssl").toString();
        System.arraycopy(arguments, 0, command, 1, arguments.length);
        return Processes.run(Duration.ofSeconds(60), command).orThrow().stdout();
    }
}
