package io.edgesync.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The test profile of sign-in: tokens required (anonymous access off) and identity providers backed by a real OpenID
 * Connect provider run as a child process ({@link OidcProvider}), one issuer per configured provider name: <ul>
 * <li>{@code idp}: the provider apps sign in with, client id {@link #CLIENT_ID}, roles from the {@code roles} claim
 * with {@code Sync.Admins} mapped to the gateway's {@code admin}, redirects allowed to {@link #APP_URL} only;
 * <li>{@code short}: tokens that expire after {@link OidcProvider#SHORT_LIVED_EXPIRY}; <li>{@code expired}: tokens
 * issued already expired; <li>{@code down}: a provider that cannot be reached. </ul> Session signing keys rotate every
 * {@link #KEY_ROTATION_SECONDS} seconds here, so that a test sees a rotation.
 */
public class SignInProviders implements QuarkusTestProfile {

    public static final String CLIENT_ID = "edgesync-app";
    /** A port free when the tests start, for an app page a test may serve (the browser's popup sign-in). */
    public static final int APP_PORT = freePort();
    public static final String APP_ORIGIN = "http://localhost:" + APP_PORT;
    public static final String APP_URL = APP_ORIGIN + "/app/";
    public static final int KEY_ROTATION_SECONDS = 6;

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("%test.edgesync.security.anonymous", "false",
                "edgesync.auth.session.key-rotation", "PT" + KEY_ROTATION_SECONDS + "S");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Provider.class));
    }

    /** Starts the OpenID Connect provider and configures the gateway's providers on it. */
    public static class Provider implements QuarkusTestResourceLifecycleManager {

        private static volatile OidcProvider running;

        /** The provider of the running test profile. */
        public static OidcProvider oidc() {
            if (running == null) {
                throw new IllegalStateException("The sign-in test profile is not running");
            }
            return running;
        }

        @Override
        public Map<String, String> start() {
            running = OidcProvider.start();
            return Map.ofEntries(Map.entry("edgesync.auth.providers.idp.issuer", running.issuer("idp")),
                    Map.entry("edgesync.auth.providers.idp.client-id", CLIENT_ID),
                    Map.entry("edgesync.auth.providers.idp.roles-claim", "roles"),
                    Map.entry("edgesync.auth.providers.idp.role-mapping.\"Sync.Admins\"", "admin"),
                    Map.entry("edgesync.auth.providers.idp.redirect-urls", APP_URL),
                    Map.entry("edgesync.auth.providers.short.issuer", running.issuer(OidcProvider.SHORT_LIVED)),
                    Map.entry("edgesync.auth.providers.short.client-id", CLIENT_ID),
                    Map.entry("edgesync.auth.providers.expired.issuer", running.issuer(OidcProvider.EXPIRED)),
                    Map.entry("edgesync.auth.providers.expired.client-id", CLIENT_ID),
                    Map.entry("edgesync.auth.providers.down.issuer", "http://localhost:9/down"),
                    Map.entry("edgesync.auth.providers.down.client-id", CLIENT_ID));
        }

        @Override
        public void stop() {
            if (running != null) {
                running.close();
                running = null;
            }
        }
    }
}
