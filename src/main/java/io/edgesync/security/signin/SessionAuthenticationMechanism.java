package io.edgesync.security.signin;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.BaseAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Authenticates requests that carry one of the gateway's session tokens ({@code Authorization: Bearer}, or the Azure
 * clients' {@code X-ZUMO-AUTH}, which the HTTP guards turn into it). It is asked before the identity provider's token
 * verification and leaves every other token to it: a session token is verified here and nowhere else.
 */
@ApplicationScoped
public class SessionAuthenticationMechanism implements HttpAuthenticationMechanism {

    private static final String BEARER = "bearer ";

    private final SessionTokens tokens;

    public SessionAuthenticationMechanism(SessionTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        String authorization = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Uni.createFrom().nullItem();
        }
        String token = authorization.substring(BEARER.length()).trim();
        if (!tokens.isSessionToken(token)) {
            return Uni.createFrom().nullItem();
        }
        return identities.authenticate(new SessionTokenRequest(token));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(SessionTokenRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom()
                .item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, "bearer"));
    }

    @Override
    public int getPriority() {
        // before the token verification of smallrye-jwt (the default priority)
        return DEFAULT_PRIORITY + 100;
    }

    /** A session token to verify. */
    public static final class SessionTokenRequest extends BaseAuthenticationRequest {

        private final String token;

        SessionTokenRequest(String token) {
            this.token = token;
        }

        String token() {
            return token;
        }
    }

    /** Verifies session tokens: the identity is the token itself as principal, with its groups as roles. */
    @ApplicationScoped
    public static class SessionIdentityProvider implements IdentityProvider<SessionTokenRequest> {

        private final SessionTokens tokens;

        public SessionIdentityProvider(SessionTokens tokens) {
            this.tokens = tokens;
        }

        @Override
        public Class<SessionTokenRequest> getRequestType() {
            return SessionTokenRequest.class;
        }

        @Override
        public Uni<SecurityIdentity> authenticate(SessionTokenRequest request, AuthenticationRequestContext context) {
            return tokens.verify(request.token(), false)
                    .onFailure(SessionTokens.InvalidSessionToken.class)
                    .transform(failure -> new AuthenticationFailedException(failure.getMessage()))
                    .map(jwt -> QuarkusSecurityIdentity.builder()
                            .setPrincipal(jwt)
                            .addRoles(jwt.getGroups())
                            .build());
        }
    }
}
