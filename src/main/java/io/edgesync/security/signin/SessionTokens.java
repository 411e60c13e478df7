package io.edgesync.security.signin;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.security.DevKeys;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.mutiny.Uni;

/**
 * The gateway's session tokens: what {@code /.auth/login/{provider}} answers with, and what every endpoint then accepts
 * as {@code X-ZUMO-AUTH} or bearer token. A session token names the user (the row owner) as subject and principal, the
 * roles as groups, the session ({@code sid}) and the provider ({@code idp}); it is signed with {@link SessionKeys}' key
 * of the moment and carries that key's id, so it stays valid across a key rotation.
 */
@ApplicationScoped
public class SessionTokens {

    /** Claim naming the provider a session was opened with. */
    static final String PROVIDER_CLAIM = "idp";
    /** Claim naming the session. */
    static final String SESSION_CLAIM = "sid";

    private final SessionKeys keys;
    private final EdgeSyncConfig.Auth.Session config;
    private final String audience;
    private final int clockSkewSeconds;
    private final ObjectMapper json;

    public SessionTokens(SessionKeys keys, EdgeSyncConfig config, ObjectMapper json,
            @ConfigProperty(name = "mp.jwt.verify.audiences") Optional<List<String>> audiences,
            @ConfigProperty(name = "mp.jwt.verify.clock.skew", defaultValue = "5") int clockSkewSeconds) {
        this.keys = keys;
        this.config = config.auth().session();
        this.json = json;
        this.audience = audiences.filter(list -> !list.isEmpty()).map(list -> list.get(0)).orElse(DevKeys.AUDIENCE);
        this.clockSkewSeconds = clockSkewSeconds;
    }

    /** A signed session token and when it expires. */
    public record Issued(String token, Instant expiresAt) {
    }

    /** Signs a session token for {@code session}. */
    public Uni<Issued> issue(SignInSession session) {
        return keys.signingKey().map(key -> {
            Instant now = Instant.now();
            Instant expiresAt = now.plus(config.lifetime());
            String token = Jwt.issuer(config.issuer())
                    .audience(audience)
                    .subject(session.userId())
                    .upn(session.userId())
                    .groups(Set.copyOf(session.roles()))
                    .claim(SESSION_CLAIM, session.sessionId())
                    .claim(PROVIDER_CLAIM, session.provider())
                    .issuedAt(now)
                    .expiresAt(expiresAt)
                    .jws()
                    .keyId(key.kid())
                    .sign(key.privateKey());
            return new Issued(token, expiresAt);
        });
    }

    /**
     * Whether {@code token} claims to be one of this gateway's session tokens (its issuer), read without verifying:
     * such a token is verified here and nowhere else.
     */
    public boolean isSessionToken(String token) {
        return payload(token).map(claims -> config.issuer().equals(claims.path("iss").asText(null))).orElse(false);
    }

    /**
     * Verifies a session token: a known key, the issuer and audience, not expired (or, with {@code expiredWithin}, not
     * expired longer than the refresh window), and a session no sign-out ended.
     */
    public Uni<JsonWebToken> verify(String token, boolean allowRefreshWindow) {
        Optional<String> kid = header(token).map(header -> header.path("kid").asText(null));
        if (kid.isEmpty()) {
            return Uni.createFrom().failure(new InvalidSessionToken("The token names no key"));
        }
        return keys.verificationKey(kid.get()).map(key -> {
            if (key.isEmpty()) {
                throw new InvalidSessionToken("The token's key is not known (too old, or not this gateway's)");
            }
            JWTAuthContextInfo context = new JWTAuthContextInfo();
            context.setIssuedBy(config.issuer());
            context.setExpectedAudience(Set.of(audience));
            context.setClockSkew(clockSkewSeconds + (allowRefreshWindow
                    ? (int) Math.min(Integer.MAX_VALUE, config.refreshWindow().toSeconds())
                    : 0));
            JsonWebToken jwt;
            try {
                jwt = new DefaultJWTParser(context).verify(token, key.get().publicKey());
            } catch (ParseException e) {
                throw new InvalidSessionToken("Invalid or expired token");
            }
            String sessionId = jwt.getClaim(SESSION_CLAIM);
            if (sessionId == null || keys.ended(sessionId)) {
                throw new InvalidSessionToken("The session was signed out");
            }
            return jwt;
        });
    }

    private Optional<JsonNode> header(String token) {
        return part(token, 0);
    }

    private Optional<JsonNode> payload(String token) {
        return part(token, 1);
    }

    private Optional<JsonNode> part(String token, int index) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            byte[] decoded = Base64.getUrlDecoder().decode(parts[index]);
            JsonNode node = json.readTree(new String(decoded, StandardCharsets.UTF_8));
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (IllegalArgumentException | java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** A session token that does not verify; its message is safe to show. */
    public static final class InvalidSessionToken extends RuntimeException {

        private static final long serialVersionUID = 1L;

        InvalidSessionToken(String message) {
            super(message, null, false, false);
        }
    }
}
