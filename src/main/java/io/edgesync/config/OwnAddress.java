package io.edgesync.config;

import java.util.Optional;

import org.eclipse.microprofile.config.ConfigProvider;

import io.quarkus.runtime.LaunchMode;

/** This process's own HTTP address on this host, for the parts of it that call another part over HTTP. */
public final class OwnAddress {

    private OwnAddress() {
    }

    /** The port the HTTP server listens on, as configured ({@code quarkus.http.port}; the test port in tests). */
    public static int httpPort() {
        String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
        String value = Optional.ofNullable(System.getProperty(key))
                .or(() -> ConfigProvider.getConfig().getOptionalValue(key, String.class))
                .orElse(LaunchMode.current() == LaunchMode.TEST ? "8081" : "8080");
        return Integer.parseInt(value.trim());
    }

    /** {@code http://localhost:<port>}. */
    public static String baseUrl() {
        return "http://localhost:" + httpPort();
    }
}
