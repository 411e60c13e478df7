package io.edgesync.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.edgesync.config.EdgeSyncConfig;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

/**
 * Rate limits of the device-facing endpoints ({@code /tables/...}, {@code /sync/...}, decided on the normalised path
 * the endpoints are matched with): every request takes a token from its caller's bucket (the user, by the token it
 * sends, else the client address) and, when it names a device (the native path or the ZUMO installation id), from that
 * device's bucket too. Device ids are the client's to choose, so rotating them buys nothing past the caller's limit.
 */
final class RateLimits {

    private static final Pattern NATIVE_DEVICE = Pattern.compile("^/sync/v1/devices/([^/]+)");

    /** Why a request was refused, and when to come back. */
    record Refusal(String limit, String message, long retryAfterSeconds) {
    }

    private final RateLimiter devices;
    private final RateLimiter callers;

    RateLimits(EdgeSyncConfig.Limits.RateLimit config) {
        this.devices = new RateLimiter(config.requestsPerSecond(), config.burst());
        this.callers = new RateLimiter(config.callerRequestsPerSecond(), config.callerBurst());
    }

    static boolean appliesTo(String normalizedPath) {
        return normalizedPath.startsWith("/tables/") || normalizedPath.startsWith("/sync/")
                || normalizedPath.startsWith("/.auth/");
    }

    /** Takes the request's tokens; a refusal when a bucket is empty. */
    Optional<Refusal> acquire(HttpServerRequest request, String normalizedPath) {
        long callerWait = callers.tryAcquire(callerKey(request));
        if (callerWait > 0) {
            return Optional.of(new Refusal("caller", "Too many requests from this client; retry after " + callerWait
                    + " s", callerWait));
        }
        Optional<String> device = deviceKey(request, normalizedPath);
        long deviceWait = device.isPresent() ? devices.tryAcquire(device.get()) : 0;
        if (deviceWait > 0) {
            return Optional.of(new Refusal("device", "Too many requests from this device; retry after " + deviceWait
                    + " s", deviceWait));
        }
        return Optional.empty();
    }

    /** The device a request names: the native path's, else the ZUMO installation id. */
    static Optional<String> deviceKey(HttpServerRequest request, String normalizedPath) {
        Matcher matcher = NATIVE_DEVICE.matcher(normalizedPath);
        if (matcher.find()) {
            return Optional.of(matcher.group(1));
        }
        String installation = request.getHeader("X-ZUMO-INSTALLATION-ID");
        return installation == null || installation.isBlank() ? Optional.empty() : Optional.of(installation.trim());
    }

    /**
     * Who calls: the token it sends (a digest: one user's tokens are few, and a forged one fails authentication
     * anyway), else the client address, the one the gateway trusts (its proxies' forwarded address, or the peer's).
     */
    static String callerKey(HttpServerRequest request) {
        String authorization = request.getHeader("Authorization");
        if (authorization != null && !authorization.isBlank()) {
            return "token:" + digest(authorization.trim());
        }
        SocketAddress address = request.remoteAddress();
        return "address:" + (address == null ? "unknown" : address.hostAddress());
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("No SHA-256", e);
        }
    }
}
