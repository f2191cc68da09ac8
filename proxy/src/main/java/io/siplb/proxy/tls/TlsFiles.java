package io.siplb.proxy.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Enumeration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the files of siplb's TLS: PEM certificate chains and CA bundles, PEM private keys (PKCS#8
 * {@code BEGIN PRIVATE KEY}, PKCS#1 {@code BEGIN RSA PRIVATE KEY} and SEC1 {@code BEGIN EC PRIVATE KEY}, all
 * unencrypted) and PKCS#12 key stores. Every failure is a {@link TlsMaterialException} naming the file and what is
 * wrong in words an operator can act on. Immutable (static methods only).
 */
final class TlsFiles {

    /** Larger files are refused before they are read: a PEM bundle, even the system's, is a few hundred KB. */
    static final long MAX_FILE_SIZE = 4L << 20;

    private static final Pattern PEM_BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

    /** DER of AlgorithmIdentifier { rsaEncryption, NULL }. */
    private static final byte[] RSA_ALGORITHM = {
            0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01,
            0x05, 0x00
    };

    /** DER of the OID id-ecPublicKey (1.2.840.10045.2.1). */
    private static final byte[] EC_PUBLIC_KEY_OID = {
            0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
    };

    /** The key algorithms a PKCS#8 key is tried with, in order. */
    private static final String[] KEY_ALGORITHMS = { "RSA", "EC", "EdDSA", "RSASSA-PSS", "DSA" };

    private TlsFiles() {}

    /** A private key and its certificate chain, leaf first. Immutable. */
    record KeyAndChain(PrivateKey key, List<X509Certificate> chain) {
        KeyAndChain {
            chain = List.copyOf(chain);
        }

        /** Returns the leaf certificate. */
        X509Certificate certificate() {
            return chain.get(0);
        }
    }

    /** Loads the private key and certificate chain of {@code material}, checking that they belong together. */
    static KeyAndChain load(TlsSettings.KeyMaterial material) throws TlsMaterialException {
        if (material instanceof TlsSettings.KeyMaterial.Pem) {
            final TlsSettings.KeyMaterial.Pem pem = (TlsSettings.KeyMaterial.Pem) material;
            final List<X509Certificate> chain = readCertificates(pem.certificate());
            final PrivateKey key = readPrivateKey(pem.privateKey());
            checkKeyMatches(key, chain.get(0), pem.privateKey(), pem.certificate());
            return new KeyAndChain(key, chain);
        }
        final TlsSettings.KeyMaterial.Pkcs12 p12 = (TlsSettings.KeyMaterial.Pkcs12) material;
        return readPkcs12(p12.keyStore(), p12.password().toCharArray());
    }

    /**
     * Reads every {@code BEGIN CERTIFICATE} block of a PEM file, in file order; text around the blocks (comments,
     * {@code openssl} "Bag Attributes") is ignored.
     */
    static List<X509Certificate> readCertificates(Path file) throws TlsMaterialException {
        final String text = readText(file);
        final CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        final List<X509Certificate> certificates = new ArrayList<>();
        final Matcher m = PEM_BLOCK.matcher(text);
        int index = 0;
        while (m.find()) {
            if (!"CERTIFICATE".equals(m.group(1))) {
                continue;
            }
            final byte[] der = base64(file, m.group(2), "certificate " + index);
            try {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            } catch (CertificateException e) {
                throw new TlsMaterialException(file, "certificate " + index + " of the file is not a valid X.509 " +
                                                     "certificate (" + e.getMessage() + ")", e);
            }
            index++;
        }
        if (certificates.isEmpty()) {
            throw new TlsMaterialException(file, "no PEM certificate (-----BEGIN CERTIFICATE-----) found");
        }
        return certificates;
    }

    /** Reads the first private key block of a PEM file. */
    static PrivateKey readPrivateKey(Path file) throws TlsMaterialException {
        final String text = readText(file);
        final Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            final String type = m.group(1);
            if (!type.endsWith("PRIVATE KEY")) {
                continue;
            }
            final String body = m.group(2);
            if ("ENCRYPTED PRIVATE KEY".equals(type) || body.contains("Proc-Type:")) {
                throw new TlsMaterialException(file, "the private key is encrypted (siplb reads unencrypted keys; " +
                                                     "decrypt it with `openssl pkcs8 -topk8 -nocrypt -in KEY`)");
            }
            final byte[] der = base64(file, body, "the private key");
            switch (type) {
                case "PRIVATE KEY":
                    return pkcs8(file, der);
                case "RSA PRIVATE KEY":
                    return pkcs8(file, wrapPkcs1(der));
                case "EC PRIVATE KEY":
                    return pkcs8(file, wrapSec1(file, der));
                default:
                    throw new TlsMaterialException(file, "unsupported key type \"BEGIN " + type + "\" (siplb " +
                                                         "reads BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY and " +
                                                         "BEGIN EC PRIVATE KEY)");
            }
        }
        throw new TlsMaterialException(file, "no PEM private key (-----BEGIN PRIVATE KEY-----) found");
    }

    /**
     * Fails unless {@code key} is the private key of {@code certificate}: a random challenge signed with the key
     * must verify with the certificate's public key.
     */
    static void checkKeyMatches(PrivateKey key, X509Certificate certificate, Path keyFile, Path certificateFile)
            throws TlsMaterialException {
        final String signature;
        switch (key.getAlgorithm()) {
            case "RSA":
                signature = "SHA256withRSA";
                break;
            case "EC":
                signature = "SHA256withECDSA";
                break;
            case "EdDSA":
            case "Ed25519":
            case "Ed448":
                signature = "EdDSA";
                break;
            case "DSA":
                signature = "SHA256withDSA";
                break;
            default:
                return; // RSASSA-PSS and others: left to the handshake
        }
        final String mismatch = "the private key does not belong to the certificate of " + certificateFile;
        try {
            final byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            final Signature s = Signature.getInstance(signature);
            s.initSign(key);
            s.update(challenge);
            final byte[] signed = s.sign();
            s.initVerify(certificate.getPublicKey());
            s.update(challenge);
            if (!s.verify(signed)) {
                throw new TlsMaterialException(keyFile, mismatch);
            }
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(keyFile, mismatch + " (" + e.getMessage() + ")", e);
        }
    }

    /** Reads the first key entry of a PKCS#12 key store and its chain. */
    static KeyAndChain readPkcs12(Path file, char[] password) throws TlsMaterialException {
        final byte[] bytes = readBytes(file);
        try {
            final KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = new ByteArrayInputStream(bytes)) {
                ks.load(in, password);
            }
            for (Enumeration<String> aliases = ks.aliases(); aliases.hasMoreElements();) {
                final String alias = aliases.nextElement();
                if (!ks.isKeyEntry(alias)) {
                    continue;
                }
                final PrivateKey key = (PrivateKey) ks.getKey(alias, password);
                final Certificate[] chain = ks.getCertificateChain(alias);
                if (chain == null || chain.length == 0) {
                    throw new TlsMaterialException(file, "the key entry \"" + alias + "\" has no certificate chain");
                }
                final List<X509Certificate> x509 = new ArrayList<>(chain.length);
                for (Certificate c : chain) {
                    x509.add((X509Certificate) c);
                }
                return new KeyAndChain(key, x509);
            }
            throw new TlsMaterialException(file, "the key store holds no private key");
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new TlsMaterialException(file, "a PKCS#12 key store with another password", e);
            }
            throw new TlsMaterialException(file, "not a PKCS#12 key store" +
                                                 (e.getMessage() == null ? "" : " (" + e.getMessage() + ')'), e);
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new TlsMaterialException(file, "not a usable PKCS#12 key store (" + e.getMessage() + ")", e);
        }
    }

    private static PrivateKey pkcs8(Path file, byte[] der) throws TlsMaterialException {
        final PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | NoSuchAlgorithmException e) {
                // try the next algorithm
            }
        }
        throw new TlsMaterialException(file, "the private key is not a valid RSA, EC, EdDSA or DSA key");
    }

    /** PKCS#1 RSAPrivateKey into PrivateKeyInfo { 0, rsaEncryption, OCTET STRING }. */
    private static byte[] wrapPkcs1(byte[] pkcs1) {
        final ByteArrayOutputStream body = new ByteArrayOutputStream(pkcs1.length + 32);
        body.writeBytes(new byte[] { 0x02, 0x01, 0x00 });
        body.writeBytes(RSA_ALGORITHM);
        writeTlv(body, 0x04, pkcs1);
        return tlv(0x30, body.toByteArray());
    }

    /**
     * SEC1 ECPrivateKey (RFC 5915: {@code SEQUENCE { version, privateKey OCTET STRING, [0] parameters, [1]
     * publicKey }}) into PrivateKeyInfo { 0, { id-ecPublicKey, curve }, OCTET STRING }, the curve taken from [0].
     */
    private static byte[] wrapSec1(Path file, byte[] sec1) throws TlsMaterialException {
        byte[] curve = null;
        try {
            if (sec1[0] != 0x30) {
                throw new IndexOutOfBoundsException();
            }
            final int[] outer = readTlv(sec1, 0);
            int pos = outer[0];
            final int end = outer[0] + outer[1];
            while (pos < end) {
                final int tag = sec1[pos] & 0xff;
                final int[] field = readTlv(sec1, pos);
                if (tag == 0xa0) {
                    final int[] oid = readTlv(sec1, field[0]);
                    curve = Arrays.copyOfRange(sec1, field[0], oid[0] + oid[1]);
                }
                pos = field[0] + field[1];
            }
        } catch (IndexOutOfBoundsException e) {
            throw new TlsMaterialException(file, "the EC private key is not valid DER (RFC 5915 ECPrivateKey)");
        }
        if (curve == null || curve[0] != 0x06) {
            throw new TlsMaterialException(file, "the EC private key names no curve (convert it with " +
                                                 "`openssl pkcs8 -topk8 -nocrypt -in KEY`)");
        }
        final ByteArrayOutputStream algorithm = new ByteArrayOutputStream();
        algorithm.writeBytes(EC_PUBLIC_KEY_OID);
        algorithm.writeBytes(curve);
        final ByteArrayOutputStream body = new ByteArrayOutputStream(sec1.length + 32);
        body.writeBytes(new byte[] { 0x02, 0x01, 0x00 });
        writeTlv(body, 0x30, algorithm.toByteArray());
        writeTlv(body, 0x04, sec1);
        return tlv(0x30, body.toByteArray());
    }

    /** Returns {contentStart, contentLength} of the DER TLV at {@code pos}. */
    private static int[] readTlv(byte[] der, int pos) {
        int p = pos + 1;
        int length = der[p++] & 0xff;
        if (length >= 0x80) {
            final int n = length & 0x7f;
            if (n == 0 || n > 3) {
                throw new IndexOutOfBoundsException();
            }
            length = 0;
            for (int i = 0; i < n; i++) {
                length = length << 8 | der[p++] & 0xff;
            }
        }
        if (p + length > der.length) {
            throw new IndexOutOfBoundsException();
        }
        return new int[] { p, length };
    }

    private static byte[] tlv(int tag, byte[] content) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 4);
        writeTlv(out, tag, content);
        return out.toByteArray();
    }

    private static void writeTlv(ByteArrayOutputStream out, int tag, byte[] content) {
        out.write(tag);
        final int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
    }

    private static byte[] base64(Path file, String body, String what) throws TlsMaterialException {
        final StringBuilder b = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            final char c = body.charAt(i);
            if (!Character.isWhitespace(c)) {
                b.append(c);
            }
        }
        try {
            return Base64.getDecoder().decode(b.toString());
        } catch (IllegalArgumentException e) {
            throw new TlsMaterialException(file, what + " is not valid base64 (" + e.getMessage() + ")");
        }
    }

    private static String readText(Path file) throws TlsMaterialException {
        return new String(readBytes(file), StandardCharsets.US_ASCII);
    }

    private static byte[] readBytes(Path file) throws TlsMaterialException {
        try {
            if (Files.isDirectory(file)) {
                throw new TlsMaterialException(file, "is a directory, not a file");
            }
            final long size = Files.size(file);
            if (size > MAX_FILE_SIZE) {
                throw new TlsMaterialException(file, size + " bytes, more than a PEM file or key store holds " +
                                                     "(at most " + MAX_FILE_SIZE + ")");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TlsMaterialException(file, "no such file", e);
        } catch (AccessDeniedException e) {
            throw new TlsMaterialException(file, "not readable (permission denied)", e);
        } catch (IOException e) {
            throw new TlsMaterialException(file, "cannot be read (" + e + ")", e);
        }
    }
}
