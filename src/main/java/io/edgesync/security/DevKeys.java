package io.edgesync.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The key pair of the local default and the tests: generated once into a directory (PEM), it signs development tokens
 * and is the key the gateway verifies them with. Production verifies tokens of a real identity provider instead
 * ({@code mp.jwt.verify.publickey.location}, {@code mp.jwt.verify.issuer}).
 */
public final class DevKeys {

    /** Issuer of development tokens. */
    public static final String ISSUER = "edgesync-local";

    /** The audience of development tokens: this API's default ({@code mp.jwt.verify.audiences}). */
    public static final String AUDIENCE = "edgesync";
    public static final String PRIVATE_KEY = "private-key.pem";
    public static final String PUBLIC_KEY = "public-key.pem";

    /**
     * The key location {@code application.properties} names until the real one is known at start: it keeps Quarkus from
     * generating a key pair of its own at build time, and the local default replaces it.
     */
    public static final String UNSET_LOCATION = "file:///edgesync-key-set-at-start.pem";

    private DevKeys() {
    }

    /**
     * Makes sure {@code directory} holds a key pair and returns the configuration that verifies and signs with it.
     */
    public static Map<String, String> ensureKeys(Path directory) {
        Path privateKey = directory.resolve(PRIVATE_KEY);
        Path publicKey = directory.resolve(PUBLIC_KEY);
        try {
            if (!Files.exists(privateKey) || !Files.exists(publicKey)) {
                Files.createDirectories(directory);
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                KeyPair pair = generator.generateKeyPair();
                Files.writeString(privateKey, pem("PRIVATE KEY", pair.getPrivate().getEncoded()),
                        StandardCharsets.US_ASCII);
                Files.writeString(publicKey, pem("PUBLIC KEY", pair.getPublic().getEncoded()),
                        StandardCharsets.US_ASCII);
                privateKey.toFile().setReadable(false, false);
                privateKey.toFile().setReadable(true, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the development key pair to " + directory, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("No RSA key generator", e);
        }
        Map<String, String> config = new LinkedHashMap<>();
        config.put("mp.jwt.verify.publickey.location", publicKey.toUri().toString());
        config.put("mp.jwt.verify.issuer", ISSUER);
        config.put("smallrye.jwt.sign.key.location", privateKey.toUri().toString());
        config.put("smallrye.jwt.new-token.issuer", ISSUER);
        return config;
    }

    private static String pem(String type, byte[] der) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----\n";
    }
}
