package io.edgesync.security.devoidc;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import io.edgesync.security.signin.Jwks;

/**
 * The signing key of the development provider: the local key pair that also signs development tokens
 * ({@code smallrye.jwt.sign.key.location}, written by {@code DevKeys}), with its public half derived from it and
 * published as a JSON Web Key under a fixed key id.
 */
final class DevOidcKey {

    /** The key id of the development provider's tokens and of its published key. */
    static final String KID = "edgesync-dev";

    private final PrivateKey privateKey;
    private final RSAPublicKey publicKey;

    private DevOidcKey(PrivateKey privateKey, RSAPublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /**
     * Reads the PKCS#8 PEM private key at {@code location} (a {@code file:} URI or a path).
     *
     * @throws IllegalStateException when there is no readable RSA key there
     */
    static DevOidcKey load(Optional<String> location) {
        String where = location.filter(value -> !value.isBlank())
                .orElseThrow(() -> new IllegalStateException(
                        "The development provider needs the local key pair (smallrye.jwt.sign.key.location)"));
        try {
            Path file = where.startsWith("file:") ? Path.of(URI.create(where)) : Path.of(where);
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            String base64 = pem.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            PrivateKey key = rsa.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            if (!(key instanceof RSAPrivateCrtKey crt)) {
                throw new IllegalStateException(
                        "The local key at " + where + " is not an RSA key with its public half");
            }
            RSAPublicKey pub = (RSAPublicKey) rsa
                    .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
            return new DevOidcKey(key, pub);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            // the location is a path of the data directory, never the key itself
            throw new IllegalStateException("The local key pair at " + where + " cannot be read", e);
        }
    }

    PrivateKey privateKey() {
        return privateKey;
    }

    /** The public key as a JSON Web Key Set of one key. */
    Map<String, Object> jwks() {
        return Jwks.keySet(Map.of(KID, publicKey));
    }
}
