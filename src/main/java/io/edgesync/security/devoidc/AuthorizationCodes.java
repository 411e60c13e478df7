package io.edgesync.security.devoidc;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.edgesync.common.DomainException;

/**
 * The authorization codes the development provider gave out and not yet exchanged: random, valid for a minute, good for
 * one exchange, kept in memory only (a restart forgets them; the sign-in is simply started again).
 */
final class AuthorizationCodes {

    /** How long a code can be exchanged. */
    static final Duration LIFETIME = Duration.ofSeconds(60);
    /** At most this many codes wait at once: a local provider never needs more. */
    private static final int MAX_PENDING = 10_000;

    private final Map<String, Grant> pending = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    /**
     * What a code stands for.
     *
     * @param clientId the client the code was given to
     * @param redirectUri the redirect URI it was sent to, which the exchange must name again
     * @param nonce the client's nonce, for the id token
     * @param codeChallenge the PKCE challenge (S256), when the client sent one
     * @param user the user name typed on the page
     * @param roles the roles typed on the page
     * @param expiresAt until when it can be exchanged
     */
    record Grant(String clientId, String redirectUri, Optional<String> nonce, Optional<String> codeChallenge,
            String user, List<String> roles, Instant expiresAt) {

        @Override
        public String toString() {
            return "Grant[" + clientId + ", " + user + "]";
        }
    }

    /** A new code for {@code grant}. */
    String issue(Grant grant) {
        Instant now = Instant.now();
        pending.values().removeIf(waiting -> waiting.expiresAt().isBefore(now));
        if (pending.size() >= MAX_PENDING) {
            throw DomainException.tooMany("Too many sign-ins under way at the development provider; try again");
        }
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        pending.put(code, grant);
        return code;
    }

    /** The grant of {@code code}, once: the code is gone afterwards, whatever the exchange's outcome. */
    Optional<Grant> take(String code) {
        Grant grant = pending.remove(code);
        return grant == null || grant.expiresAt().isBefore(Instant.now()) ? Optional.empty() : Optional.of(grant);
    }
}
