package dev.archipelago.registry.signing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ECDSA P-256 key the assembler signs with, read from a PEM file (a mounted Secret): PKCS#8
 * ({@code BEGIN PRIVATE KEY}, what {@code openssl genpkey} writes) or SEC1 ({@code BEGIN EC PRIVATE
 * KEY}). Its public half is derived from it. A file that holds anything else is refused with a
 * message that says what was expected and never quotes the file.
 */
public final class SigningKey {

    private static final Pattern PEM = Pattern
            .compile("-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");
    // AlgorithmIdentifier { id-ecPublicKey, prime256v1 }, to wrap a SEC1 key as PKCS#8
    private static final byte[] EC_P256_ALGORITHM = { 0x30, 0x13, 0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02,
            0x01,
            0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07 };

    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private SigningKey(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /** Reads and checks the key; the message of a refusal names the file and what it should hold. */
    public static SigningKey read(Path file) {
        String what = "the signing key " + file;
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new InvalidSigningKeyException(what + " cannot be read (" + e.getClass().getSimpleName() + ")");
        } catch (RuntimeException e) {
            throw new InvalidSigningKeyException(what + " is not a PEM file");
        }
        Matcher pem = PEM.matcher(text);
        boolean found = pem.find();
        while (found && pem.group(1).equals("EC PARAMETERS")) {
            // 'openssl ecparam -genkey' writes the curve's parameters before the key
            found = pem.find();
        }
        if (!found) {
            throw new InvalidSigningKeyException(what + " holds no PEM block; expected an unencrypted ECDSA P-256 private key"
                    + " (BEGIN PRIVATE KEY, as 'openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256' writes it)");
        }
        String type = pem.group(1);
        if (type.contains("ENCRYPTED")) {
            throw new InvalidSigningKeyException(
                    what + " is encrypted (" + type + "); the assembler reads an unencrypted PKCS#8"
                            + " or SEC1 ECDSA P-256 key from its Secret (docs/supply-chain.md)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.group(2));
        } catch (IllegalArgumentException e) {
            throw new InvalidSigningKeyException(what + ": the " + type + " block is not base64");
        }
        byte[] pkcs8 = switch (type) {
            case "PRIVATE KEY" -> der;
            case "EC PRIVATE KEY" -> wrapSec1(der);
            default -> throw new InvalidSigningKeyException(what + " holds a " + type + " block; expected BEGIN PRIVATE KEY"
                    + " or BEGIN EC PRIVATE KEY (ECDSA P-256)");
        };
        try {
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            ECPrivateKey ec = (ECPrivateKey) key;
            if (ec.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new InvalidSigningKeyException(
                        what + " is an EC key on a " + ec.getParams().getCurve().getField().getFieldSize()
                                + "-bit curve; cosign signatures here use P-256");
            }
            PublicKey publicKey = KeyFactory.getInstance("EC").generatePublic(
                    new ECPublicKeySpec(multiply(ec.getParams(), ec.getS()), ec.getParams()));
            SigningKey signing = new SigningKey(key, publicKey);
            byte[] probe = "archipelago".getBytes(StandardCharsets.US_ASCII);
            if (!signing.verifies(probe, signing.sign(probe))) {
                throw new InvalidSigningKeyException(what + ": the key does not verify its own signature");
            }
            return signing;
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new InvalidSigningKeyException(
                    what + " is not an ECDSA P-256 private key (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** An ASN.1 DER ECDSA signature over SHA-256 of the bytes, as cosign writes it. */
    public byte[] sign(byte[] payload) {
        try {
            Signature signature = Signature.getInstance("SHA256withECDSA");
            signature.initSign(privateKey);
            signature.update(payload);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing failed: " + e.getClass().getSimpleName());
        }
    }

    public boolean verifies(byte[] payload, byte[] signatureBytes) {
        try {
            Signature signature = Signature.getInstance("SHA256withECDSA");
            signature.initVerify(publicKey);
            signature.update(payload);
            return signature.verify(signatureBytes);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The public key as PEM ({@code BEGIN PUBLIC KEY}), what skopeo, podman and cosign verify with. */
    public String publicKeyPem() {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(publicKey.getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    }

    /** The public point d·G, by double-and-add in affine coordinates (done once, at start). */
    private static ECPoint multiply(ECParameterSpec params, BigInteger scalar) {
        BigInteger p = ((ECFieldFp) params.getCurve().getField()).getP();
        BigInteger a = params.getCurve().getA();
        ECPoint result = ECPoint.POINT_INFINITY;
        ECPoint addend = params.getGenerator();
        for (int i = 0; i < scalar.bitLength(); i++) {
            if (scalar.testBit(i)) {
                result = add(result, addend, p, a);
            }
            addend = add(addend, addend, p, a);
        }
        return result;
    }

    private static ECPoint add(ECPoint left, ECPoint right, BigInteger p, BigInteger a) {
        if (left.equals(ECPoint.POINT_INFINITY)) {
            return right;
        }
        if (right.equals(ECPoint.POINT_INFINITY)) {
            return left;
        }
        BigInteger x1 = left.getAffineX();
        BigInteger y1 = left.getAffineY();
        BigInteger x2 = right.getAffineX();
        BigInteger y2 = right.getAffineY();
        BigInteger slope;
        if (x1.equals(x2)) {
            if (!y1.equals(y2) || y1.signum() == 0) {
                return ECPoint.POINT_INFINITY;
            }
            slope = x1.pow(2).multiply(BigInteger.valueOf(3)).add(a).multiply(y1.shiftLeft(1).modInverse(p)).mod(p);
        } else {
            slope = y2.subtract(y1).multiply(x2.subtract(x1).modInverse(p)).mod(p);
        }
        BigInteger x3 = slope.pow(2).subtract(x1).subtract(x2).mod(p);
        BigInteger y3 = slope.multiply(x1.subtract(x3)).subtract(y1).mod(p);
        return new ECPoint(x3, y3);
    }

    /** PKCS#8 PrivateKeyInfo { 0, ecPublicKey/P-256, OCTET STRING sec1 }. */
    private static byte[] wrapSec1(byte[] sec1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] { 0x02, 0x01, 0x00 });
        body.writeBytes(EC_P256_ALGORITHM);
        body.write(0x04);
        body.writeBytes(length(sec1.length));
        body.writeBytes(sec1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.writeBytes(length(body.size()));
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static byte[] length(int n) {
        if (n < 0x80) {
            return new byte[] { (byte) n };
        }
        if (n < 0x100) {
            return new byte[] { (byte) 0x81, (byte) n };
        }
        return new byte[] { (byte) 0x82, (byte) (n >> 8), (byte) n };
    }

    /** The configured key cannot be used; the message never quotes it. */
    public static final class InvalidSigningKeyException extends RuntimeException {
        InvalidSigningKeyException(String message) {
            super(message);
        }
    }
}
