package io.edgesync.security.signin;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.JsonWebToken;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgesync.common.DomainException;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.security.AccessDeniedException;
import io.quarkus.logging.Log;

/**
 * Sign-in as Azure App Service authentication offers it to the Azure Mobile Apps clients, over OpenID Connect
 * providers: the client-directed flow (the app already holds the provider's token), the server-directed flow
 * (authorization code with PKCE, ending in a redirect or in the browser SDK's popup message), and the session's
 * refresh, description and sign-out. Blocking: called from worker threads.
 */
@ApplicationScoped
public class SignInService {

    /** How long a server-directed sign-in may take between leaving for the provider and coming back. */
    static final Duration LOGIN_STATE_LIFETIME = Duration.ofMinutes(10);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final OidcProviders providers;
    private final SessionTokens tokens;
    private final SessionKeys keys;
    private final SignInSessions sessions;
    private final LoginStates states;
    private final SecureRandom random = new SecureRandom();

    public SignInService(OidcProviders providers, SessionTokens tokens, SessionKeys keys, SignInSessions sessions,
            LoginStates states) {
        this.providers = providers;
        this.tokens = tokens;
        this.keys = keys;
        this.sessions = sessions;
        this.states = states;
    }

    /** The answer of a sign-in or refresh: the session token and the user, as App Service gives them. */
    public record SignedIn(String authenticationToken, String userId, Instant expiresAt) {

        @Override
        public String toString() {
            return "SignedIn[" + userId + "]";
        }
    }

    /**
     * The client-directed flow: verifies the provider's token the app sends ({@code id_token}, {@code access_token}, or
     * an {@code authorization_code} to exchange) and opens a session.
     */
    public SignedIn signInWithProviderToken(String provider, JsonNode body) {
        providers.provider(provider);
        if (body == null || !body.isObject()) {
            throw DomainException.invalid(
                    "Send the provider's token as JSON: {\"id_token\": ...}, {\"access_token\": ...} or"
                            + " {\"authorization_code\": ...}");
        }
        Optional<String> idToken = text(body, "id_token");
        Optional<String> accessToken = text(body, "access_token");
        Optional<String> code = text(body, "authorization_code");
        if (idToken.isPresent()) {
            return open(providers.verify(provider, idToken.get(), Optional.empty()), Optional.empty());
        }
        if (accessToken.isPresent()) {
            return open(providers.verify(provider, accessToken.get(), Optional.empty()), Optional.empty());
        }
        if (code.isPresent()) {
            String redirectUri = text(body, "redirect_uri").orElseThrow(() -> DomainException
                    .invalid("An authorization code needs the redirect_uri it was issued for"));
            OidcProviders.TokenSet tokenSet = providers.exchangeCode(provider, code.get(), redirectUri,
                    text(body, "code_verifier"));
            return open(verifyIdToken(provider, tokenSet, Optional.empty()), tokenSet.refreshToken());
        }
        throw DomainException.invalid("Send the provider's token: {\"id_token\": ...}, {\"access_token\": ...} or"
                + " {\"authorization_code\": ..., \"redirect_uri\": ...}");
    }

    /** {@code POST /.auth/login} with a session token the app kept: still valid, it is answered as it is. */
    public SignedIn signInWithSessionToken(String authenticationToken) {
        if (!tokens.isSessionToken(authenticationToken)) {
            throw new AccessDeniedException(DomainException.Kind.UNAUTHENTICATED,
                    "The authenticationToken is not a session token of this gateway");
        }
        JsonWebToken jwt = verifySession(authenticationToken, false);
        return new SignedIn(authenticationToken, jwt.getSubject(), Instant.ofEpochSecond(jwt.getExpirationTime()));
    }

    /**
     * The start of the server-directed flow: where to send the browser (the provider's authorization endpoint with
     * state, nonce and a PKCE challenge), and the state to keep in a cookie until it comes back.
     */
    public record Start(URI authorizationUrl, String stateCookie) {
    }

    /** How a server-directed sign-in hands over its result. */
    public enum Completion {
        /** A redirect to the app's URL with the result in the fragment ({@code #token=...}). */
        REDIRECT,
        /** The browser SDK's popup: a message to the page that opened it, at an allowed origin. */
        POST_MESSAGE
    }

    /**
     * Starts the server-directed flow for {@code provider}.
     *
     * @param callback the gateway's callback URL for this provider, as the provider must redirect to it
     * @param redirectTarget where the result goes: an allowed URL, or the gateway's own {@code /.auth/login/done}
     * @param completion how the result is handed over
     */
    public Start start(String provider, URI callback, String redirectTarget, Completion completion) {
        EdgeSyncConfig.Auth.Provider settings = providers.provider(provider);
        String authorizationEndpoint = providers.endpoints(provider)
                .authorizationEndpoint()
                .orElseThrow(() -> DomainException
                        .invalid("Provider '" + provider + "' has no authorization endpoint; sign in with its token"));
        String state = randomToken(24);
        String nonce = randomToken(24);
        String verifier = randomToken(48);
        Map<String, String> query = new LinkedHashMap<>();
        query.put("response_type", "code");
        query.put("client_id", settings.clientId());
        query.put("redirect_uri", callback.toString());
        query.put("scope", String.join(" ", settings.scopes()));
        query.put("state", state);
        query.put("nonce", nonce);
        query.put("code_challenge", challenge(verifier));
        query.put("code_challenge_method", "S256");
        String separator = authorizationEndpoint.contains("?") ? "&" : "?";
        URI url = URI.create(authorizationEndpoint + separator + OidcProviders.formBody(query));
        String cookie = states.seal(new LoginStates.LoginState(provider, state, nonce, verifier,
                callback.toString(), redirectTarget, completion, Instant.now().plus(LOGIN_STATE_LIFETIME)));
        return new Start(url, cookie);
    }

    /** The end of a server-directed sign-in: the session, or why it failed, and where to hand it over. */
    public record Finish(LoginStates.LoginState state, Optional<SignedIn> signedIn, Optional<String> error) {
    }

    /**
     * The provider's redirect back: checks the state against the cookie, exchanges the code (with the PKCE verifier),
     * verifies the id token (with the nonce) and opens a session. A state that does not match the cookie is a 401:
     * nothing is handed to any URL then.
     */
    public Finish finish(String provider, Optional<String> stateCookie, Optional<String> state, Optional<String> code,
            Optional<String> providerError) {
        LoginStates.LoginState login = stateCookie.flatMap(states::open)
                .filter(opened -> opened.provider().equals(provider))
                .filter(opened -> state.isPresent() && constantTimeEquals(opened.state(), state.get()))
                .orElseThrow(() -> new AccessDeniedException(DomainException.Kind.UNAUTHENTICATED,
                        "This sign-in was not started here, took too long, or was already finished: start again"));
        if (providerError.isPresent()) {
            return new Finish(login, Optional.empty(), Optional.of(safeError(providerError.get())));
        }
        if (code.isEmpty()) {
            return new Finish(login, Optional.empty(), Optional.of("invalid_request"));
        }
        try {
            OidcProviders.TokenSet tokenSet = providers.exchangeCode(provider, code.get(), login.callback(),
                    Optional.of(login.verifier()));
            SignedIn signedIn = open(verifyIdToken(provider, tokenSet, Optional.of(login.nonce())),
                    tokenSet.refreshToken());
            return new Finish(login, Optional.of(signedIn), Optional.empty());
        } catch (AccessDeniedException e) {
            Log.debugf("A server-directed sign-in with %s failed: %s", provider, e.getMessage());
            return new Finish(login, Optional.empty(), Optional.of("access_denied"));
        }
    }

    /**
     * {@code /.auth/refresh}: a fresh session token for a session token that is valid or expired within the refresh
     * window, while the provider session lasts (its refresh token still works, or its own token has not expired).
     */
    public SignedIn refresh(String authenticationToken) {
        SignInSession session = openSession(verifySession(authenticationToken, true));
        Optional<String> newRefreshToken = Optional.empty();
        Optional<Instant> providerExpiry = Optional.empty();
        List<String> roles = session.roles();
        if (session.refreshToken().isPresent()) {
            OidcProviders.TokenSet tokenSet = providers.refresh(session.provider(), session.refreshToken().get());
            newRefreshToken = tokenSet.refreshToken();
            if (tokenSet.idToken().isPresent()) {
                OidcProviders.VerifiedUser user = providers.verify(session.provider(), tokenSet.idToken().get(),
                        Optional.empty());
                if (!user.userId().equals(session.userId())) {
                    throw new AccessDeniedException(DomainException.Kind.UNAUTHENTICATED,
                            "The provider answered for another user: sign in again");
                }
                providerExpiry = user.expiresAt();
                // the roles the provider gives now: a role taken away there is gone at the next refresh
                roles = user.roles();
            }
        } else if (session.providerExpiresAt().map(expiry -> expiry.isBefore(Instant.now())).orElse(true)) {
            throw new AccessDeniedException(DomainException.Kind.UNAUTHENTICATED,
                    "The provider session has ended: sign in again");
        }
        sessions.refreshed(session.sessionId(), newRefreshToken, providerExpiry, roles).await().atMost(WAIT);
        SignInSession renewed = new SignInSession(session.sessionId(), session.provider(), session.userId(), roles,
                session.claims(), Optional.empty(), providerExpiry.or(session::providerExpiresAt));
        SessionTokens.Issued issued = tokens.issue(renewed).await().atMost(WAIT);
        return new SignedIn(issued.token(), session.userId(), issued.expiresAt());
    }

    /** What {@code /.auth/me} shows of a session: the provider, the user and the provider's claims. */
    public record Me(String provider, String userId, List<String> roles, Map<String, Object> claims,
            Instant expiresAt) {
    }

    /** {@code /.auth/me} for a valid session token. */
    public Me me(String authenticationToken) {
        JsonWebToken jwt = verifySession(authenticationToken, false);
        SignInSession session = openSession(jwt);
        return new Me(session.provider(), session.userId(), session.roles(), session.claims(),
                Instant.ofEpochSecond(jwt.getExpirationTime()));
    }

    /** Ends the session of {@code authenticationToken} (valid, or expired within the refresh window). */
    public void signOut(String authenticationToken) {
        JsonWebToken jwt = verifySession(authenticationToken, true);
        String sessionId = jwt.getClaim(SessionTokens.SESSION_CLAIM);
        sessions.end(sessionId).await().atMost(WAIT);
        keys.markEnded(sessionId);
    }

    /** Whether {@code url} is an allowed target of a redirect (an allow-listed URL, or a path of this gateway). */
    public boolean allowedRedirect(String provider, String url) {
        if (url.startsWith("/") && !url.startsWith("//") && !url.contains("\\")) {
            return true;
        }
        URI target;
        try {
            target = new URI(url).normalize();
        } catch (URISyntaxException e) {
            return false;
        }
        if (target.getScheme() == null || target.getHost() == null || target.getRawUserInfo() != null) {
            return false;
        }
        for (String allowed : allowList(provider)) {
            URI entry = URI.create(allowed).normalize();
            if (sameOrigin(entry, target) && pathWithin(entry.getPath(), target.getPath())) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code url} is an allowed redirect target of some provider (after a sign-out, which names none). */
    public boolean allowedRedirectOfAnyProvider(String url) {
        return providers.names().stream().anyMatch(provider -> allowedRedirect(provider, url));
    }

    /** Whether {@code origin} ({@code scheme://host[:port]}) is the origin of an allow-listed URL. */
    public boolean allowedOrigin(String provider, String origin) {
        URI target;
        try {
            target = new URI(origin);
        } catch (URISyntaxException e) {
            return false;
        }
        if (target.getScheme() == null || target.getHost() == null
                || (target.getPath() != null && !target.getPath().isEmpty() && !target.getPath().equals("/"))) {
            return false;
        }
        return allowList(provider).stream().map(URI::create).anyMatch(entry -> sameOrigin(entry, target));
    }

    private List<String> allowList(String provider) {
        return providers.provider(provider).redirectUrls().orElse(List.of());
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static boolean pathWithin(String allowed, String target) {
        String base = allowed == null || allowed.isEmpty() ? "/" : allowed;
        String path = target == null || target.isEmpty() ? "/" : target;
        if (path.equals(base) || base.equals("/")) {
            return true;
        }
        return path.startsWith(base.endsWith("/") ? base : base + "/");
    }

    private OidcProviders.VerifiedUser verifyIdToken(String provider, OidcProviders.TokenSet tokenSet,
            Optional<String> nonce) {
        String idToken = tokenSet.idToken()
                .orElseThrow(() -> new AccessDeniedException(
                        DomainException.Kind.UNAUTHENTICATED, "Provider '" + provider + "' gave no id token"));
        return providers.verify(provider, idToken, nonce);
    }

    private SignedIn open(OidcProviders.VerifiedUser user, Optional<String> refreshToken) {
        SignInSession session = new SignInSession(randomToken(18), user.provider(), user.userId(), user.roles(),
                user.claims(), refreshToken, user.expiresAt());
        sessions.insert(session).await().atMost(WAIT);
        SessionTokens.Issued issued = tokens.issue(session).await().atMost(WAIT);
        Log.infof("%s signed in with %s", user.userId(), user.provider());
        return new SignedIn(issued.token(), user.userId(), issued.expiresAt());
    }

    /** The session of a verified session token, unless it has ended. */
    private SignInSession openSession(JsonWebToken jwt) {
        String sessionId = jwt.getClaim(SessionTokens.SESSION_CLAIM);
        return sessions.findOpen(sessionId)
                .await()
                .atMost(WAIT)
                .orElseThrow(() -> new AccessDeniedException(DomainException.Kind.UNAUTHENTICATED,
                        "The session has ended: sign in again"));
    }

    private JsonWebToken verifySession(String token, boolean allowRefreshWindow) {
        try {
            return tokens.verify(token, allowRefreshWindow).await().atMost(WAIT);
        } catch (SessionTokens.InvalidSessionToken e) {
            throw new AccessDeniedException(DomainException.Kind.UNAUTHENTICATED, e.getMessage());
        }
    }

    private String randomToken(int bytes) {
        byte[] value = new byte[bytes];
        random.nextBytes(value);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
    }

    private static String challenge(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("No SHA-256", e);
        }
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** A provider's error code as the app may see it: the standard codes only, nothing the provider wrote. */
    private static String safeError(String error) {
        String code = error.toLowerCase(Locale.ROOT);
        List<String> known = new ArrayList<>(List.of("access_denied", "login_required", "consent_required",
                "interaction_required", "invalid_request", "unauthorized_client", "server_error",
                "temporarily_unavailable"));
        return known.contains(code) ? code : "access_denied";
    }

    private static Optional<String> text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        return value != null && value.isTextual() && !value.asText().isBlank()
                ? Optional.of(value.asText())
                : Optional.empty();
    }
}
