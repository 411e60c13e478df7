package io.edgesync.security.signin;

import io.edgesync.config.OwnAddress;

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
        return OwnAddress.baseUrl() + issuer;
    }
}
