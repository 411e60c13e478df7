package io.edgesync.security.signin;

import java.util.Optional;

import org.eclipse.microprofile.config.ConfigProvider;

import io.quarkus.runtime.LaunchMode;

/**
 * An issuer configured as a path ({@code /dev/oidc}) names a provider this gateway serves itself, the local development
 * provider: its URL is the gateway's own address on this host, known only once the HTTP server listens (a test run
 * picks a free port).
 */
public final class LocalIssuer {

    private LocalIssuer() {
    }

    /** Whether {@code issuer} is a path of this gateway. */
    public static boolean isLocal(String issuer) {
        return issuer.startsWith("/");
    }

    /** The issuer's URL: as configured, or for a path, this gateway's address on this host with that path. */
    public static String resolve(String issuer) {
        if (!isLocal(issuer)) {
            return issuer;
        }
        return "http://localhost:" + httpPort() + issuer;
    }

    /** The port the HTTP server listens on (the one it picked, when configured with 0). */
    static int httpPort() {
        String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
        String value = Optional.ofNullable(System.getProperty(key))
                .or(() -> ConfigProvider.getConfig().getOptionalValue(key, String.class))
                .orElse(LaunchMode.current() == LaunchMode.TEST ? "8081" : "8080");
        return Integer.parseInt(value.trim());
    }
}
