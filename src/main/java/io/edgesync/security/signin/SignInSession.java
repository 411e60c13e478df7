package io.edgesync.security.signin;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A session opened by a sign-in: who signed in with which provider, the roles given, the provider's claims about the
 * user ({@code /.auth/me}), and what a refresh needs (the provider's refresh token, or until when its own token is
 * valid). Never shown with the refresh token.
 *
 * @param sessionId the session's id, the {@code sid} of its session tokens
 * @param provider the provider's name ({@code /.auth/login/{provider}})
 * @param userId the user id: the row owner and the session tokens' subject
 * @param roles the gateway roles given
 * @param claims the provider's claims about the user, as received (no tokens)
 * @param refreshToken the provider's refresh token, when it gave one
 * @param providerExpiresAt when the provider's own token expires: without a refresh token the session can be refreshed
 *     until then
 */
public record SignInSession(String sessionId, String provider, String userId, List<String> roles,
        Map<String, Object> claims, Optional<String> refreshToken, Optional<Instant> providerExpiresAt) {

    @Override
    public String toString() {
        // never the refresh token
        return "SignInSession[" + sessionId + ", " + provider + ", " + userId + "]";
    }
}
