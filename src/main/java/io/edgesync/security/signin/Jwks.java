package io.edgesync.security.signin;

import java.math.BigInteger;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON Web Keys (RFC 7517) of the RSA keys that sign the gateway's tokens, as key sets publish them. */
public final class Jwks {

    private Jwks() {
    }

    /** A key set of {@code keys}, by key id. */
    public static Map<String, Object> keySet(Map<String, RSAPublicKey> keys) {
        return Map.of("keys", keys.entrySet().stream().map(key -> rsaKey(key.getKey(), key.getValue())).toList());
    }

    /** The RS256 signing key {@code key} with the id {@code kid}. */
    static Map<String, Object> rsaKey(String kid, RSAPublicKey key) {
        Map<String, Object> jwk = new LinkedHashMap<>();
        jwk.put("kty", "RSA");
        jwk.put("kid", kid);
        jwk.put("use", "sig");
        jwk.put("alg", "RS256");
        jwk.put("n", unsigned(key.getModulus()));
        jwk.put("e", unsigned(key.getPublicExponent()));
        return jwk;
    }

    /** A big-endian unsigned integer in base64url, as a JWK wants its RSA members (without BigInteger's sign byte). */
    private static String unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
