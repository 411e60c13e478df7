package io.edgesync.security.signin;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.JsonWebToken;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.config.EdgeSyncConfig;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.build.Jwt;

/**
 * The state of a server-directed sign-in between leaving for the provider and coming back, kept in the browser as a
 * cookie signed with the session key of the moment: any replica of the edge can finish the sign-in, and nobody can
 * change where its result goes. It is meant for nothing else: its audience is its own, so it is never taken as a
 * session token.
 */
@ApplicationScoped
public class LoginStates {

    /** The audience of a login state: never a session token's. */
    static final String AUDIENCE = "edgesync-login-state";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final SessionKeys keys;
    private final String issuer;
    private final ObjectMapper json;

    public LoginStates(SessionKeys keys, EdgeSyncConfig config, ObjectMapper json) {
        this.keys = keys;
        this.issuer = config.auth().session().issuer();
        this.json = json;
    }

    /**
     * A sign-in under way.
     *
     * @param provider the provider's name
     * @param state the state sent to the provider, which must come back
     * @param nonce the nonce sent to the provider, which its id token must carry
     * @param verifier the PKCE code verifier
     * @param callback the callback URL the provider redirects to (also sent with the code exchange)
     * @param target where the result goes: a URL or, for a popup, the origin of the page that opened it
     * @param completion how the result is handed over
     * @param expiresAt when the sign-in must have come back
     */
    public record LoginState(String provider, String state, String nonce, String verifier, String callback,
            String target, SignInService.Completion completion, Instant expiresAt) {

        @Override
        public String toString() {
            return "LoginState[" + provider + ", " + completion + "]";
        }
    }

    /** The state as a signed cookie value. */
    public String seal(LoginState login) {
        SessionKeys.SigningKey key = keys.signingKey().await().atMost(WAIT);
        return Jwt.issuer(issuer)
                .audience(AUDIENCE)
                .claim("provider", login.provider())
                .claim("state", login.state())
                .claim("nonce", login.nonce())
                .claim("verifier", login.verifier())
                .claim("callback", login.callback())
                .claim("target", login.target())
                .claim("completion", login.completion().name())
                .expiresAt(login.expiresAt().getEpochSecond())
                .jws()
                .keyId(key.kid())
                .sign(key.privateKey());
    }

    /** The state a cookie holds, when it is one of ours, unchanged and not expired. */
    public Optional<LoginState> open(String cookie) {
        Optional<String> kid = kid(cookie);
        if (kid.isEmpty()) {
            return Optional.empty();
        }
        Optional<SessionKeys.SigningKey> key = keys.verificationKey(kid.get()).await().atMost(WAIT);
        if (key.isEmpty()) {
            return Optional.empty();
        }
        JWTAuthContextInfo context = new JWTAuthContextInfo();
        context.setIssuedBy(issuer);
        context.setExpectedAudience(Set.of(AUDIENCE));
        context.setRequireNamedPrincipal(false);
        try {
            JsonWebToken jwt = new DefaultJWTParser(context).verify(cookie, key.get().publicKey());
            return Optional.of(new LoginState(jwt.getClaim("provider"), jwt.getClaim("state"), jwt.getClaim("nonce"),
                    jwt.getClaim("verifier"), jwt.getClaim("callback"), jwt.getClaim("target"),
                    SignInService.Completion.valueOf(jwt.getClaim("completion")),
                    Instant.ofEpochSecond(jwt.getExpirationTime())));
        } catch (ParseException | IllegalArgumentException | NullPointerException e) {
            return Optional.empty();
        }
    }

    private Optional<String> kid(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        try {
            JsonNode header = json.readTree(new String(Base64.getUrlDecoder().decode(token.substring(0, dot)),
                    StandardCharsets.UTF_8));
            return header != null && header.path("kid").isTextual()
                    ? Optional.of(header.path("kid").asText())
                    : Optional.empty();
        } catch (IllegalArgumentException | java.io.IOException e) {
            return Optional.empty();
        }
    }
}
