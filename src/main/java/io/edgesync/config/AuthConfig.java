package io.edgesync.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Sign-in the way Azure App Service authentication does it ({@code /.auth/login/{provider}}), over OpenID Connect
 * providers: the gateway verifies the provider's token and answers with a session token of its own, which every
 * endpoint accepts like any other bearer token.
 */
public interface AuthConfig {

    /** The identity providers apps sign in with, by the name in {@code /.auth/login/{name}} (e.g. {@code aad}). */
    @WithName("providers")
    Map<String, Provider> providers();

    /** The session tokens the gateway signs after a sign-in. */
    Session session();

    /** One OpenID Connect provider. */
    interface Provider {

        /**
         * The provider's issuer URL, exactly as it appears in its tokens; its discovery document is read from
         * {@code <issuer>/.well-known/openid-configuration} (signing keys, authorization and token endpoints).
         */
        String issuer();

        /** The client id this gateway (or the app) is registered with at the provider. */
        String clientId();

        /**
         * The client secret, for the server-directed flow and for exchanging an authorization code; not needed for the
         * client-directed flow with an id or access token. Never logged.
         */
        Optional<String> clientSecret();

        /**
         * Audiences accepted in the provider's tokens, comma-separated; default the client id. Access tokens issued for
         * an API of your own carry that API's id here.
         */
        Optional<List<String>> audience();

        /** Scopes asked for in the server-directed flow; {@code offline_access} lets {@code /.auth/refresh} renew. */
        @WithDefault("openid,profile,email")
        List<String> scopes();

        /** The claim of the provider's token that identifies the user (the row owner). */
        @WithDefault("sub")
        String userIdClaim();

        /**
         * Whether the user id is qualified with the provider name ({@code <provider>:<claim value>}), so that users of
         * two providers never share an id. Turn it off to use the claim value as it is, the same owner the provider's
         * own tokens give when an app sends them directly.
         */
        @WithDefault("true")
        boolean qualifyUserId();

        /**
         * The claim holding the user's roles at the provider (a string or an array; a dotted path such as
         * {@code realm_access.roles} reaches into objects). Without it, users signed in through this provider have no
         * roles.
         */
        Optional<String> rolesClaim();

        /**
         * Gateway roles by provider role ({@code role-mapping."Sync.Admins"=admin}). When empty, the provider's roles
         * are taken as they are; otherwise only mapped roles are given.
         */
        Map<String, String> roleMapping();

        /**
         * Where the server-directed flow may send the browser afterwards ({@code post_login_redirect_url}), and the
         * origins the browser SDK's popup may hand the token to ({@code completion_origin}): URLs compared by scheme,
         * host, port and path prefix. Anything else is refused. The gateway's own {@code /.auth/login/done} is always
         * allowed.
         */
        Optional<List<String>> redirectUrls();
    }

    /** Session tokens. */
    interface Session {

        /** How long a session token is valid. */
        @WithDefault("PT1H")
        Duration lifetime();

        /**
         * How long after its expiry a session token can still be exchanged at {@code /.auth/refresh} for a fresh one,
         * while the provider session lasts (App Service's token refresh extension).
         */
        @WithDefault("PT72H")
        Duration refreshWindow();

        /**
         * How often the gateway starts a new signing key. Keys live in the database, shared by the replicas of an edge;
         * an old key keeps verifying until the last token it signed can no longer be refreshed, so rotation logs nobody
         * out.
         */
        @WithDefault("P7D")
        Duration keyRotation();

        /** Issuer of session tokens. */
        @WithDefault("edgesync-session")
        String issuer();

        /**
         * The public URL of this gateway as the browser sees it, for the redirect URL registered at the providers
         * ({@code <base>/.auth/login/<provider>/callback}); default the scheme and host of the request (also behind a
         * trusted proxy).
         */
        Optional<String> publicUrl();
    }
}
