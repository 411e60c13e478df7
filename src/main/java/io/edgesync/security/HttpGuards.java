package io.edgesync.security;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.edgesync.config.EdgeSyncConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Guards on every HTTP exchange, before any endpoint runs: the Azure clients' {@code X-ZUMO-AUTH} token as a bearer
 * token, security headers on every response, and per-device rate limiting (429 with {@code Retry-After}) of the
 * device-facing endpoints.
 */
@ApplicationScoped
public class HttpGuards {

    private static final Pattern NATIVE_DEVICE = Pattern.compile("^/sync/v1/devices/([^/]+)");

    private final RateLimiter limiter;
    private final boolean rateLimited;
    private final MeterRegistry metrics;

    public HttpGuards(EdgeSyncConfig config, MeterRegistry metrics) {
        EdgeSyncConfig.Limits.RateLimit rate = config.limits().rateLimit();
        this.limiter = new RateLimiter(rate.requestsPerSecond(), rate.burst());
        this.rateLimited = rate.enabled();
        this.metrics = metrics;
    }

    void install(@Observes Router router) {
        router.route().order(-1000).handler(this::guard);
    }

    private void guard(RoutingContext context) {
        HttpServerRequest request = context.request();
        String path = request.path();
        // The Azure clients send their token as X-ZUMO-AUTH: the same token, verified the same way.
        String zumoAuth = request.getHeader("X-ZUMO-AUTH");
        if (zumoAuth != null && !zumoAuth.isBlank() && request.getHeader("Authorization") == null) {
            request.headers().set("Authorization", "Bearer " + zumoAuth.trim());
        }
        context.addHeadersEndHandler(done -> addSecurityHeaders(context, path));
        String key = rateLimited && isDeviceFacing(path) ? clientKey(request, path) : null;
        if (key != null) {
            long retryAfter = limiter.tryAcquire(key);
            if (retryAfter > 0) {
                metrics.counter("edgesync.requests.rate_limited").increment();
                String message = "Too many requests from this device; retry after " + retryAfter + " s";
                String body = "{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\""
                        + message + "\",\"error\":\"" + message + "\"}";
                context.response()
                        .setStatusCode(429)
                        .putHeader("Retry-After", Long.toString(retryAfter))
                        .putHeader("Content-Type", "application/problem+json")
                        .end(body);
                return;
            }
        }
        context.next();
    }

    private static boolean isDeviceFacing(String path) {
        return path.startsWith("/tables/") || path.startsWith("/sync/");
    }

    /**
     * The device (native path or ZUMO installation id), else the user's token; null for anonymous clients without a
     * device id (a client address says little behind proxies and carrier NAT).
     */
    static String clientKey(HttpServerRequest request, String path) {
        Matcher matcher = NATIVE_DEVICE.matcher(path);
        if (matcher.find()) {
            return "device:" + matcher.group(1);
        }
        String installation = request.getHeader("X-ZUMO-INSTALLATION-ID");
        if (installation != null && !installation.isBlank()) {
            return "device:" + installation.trim();
        }
        String auth = request.getHeader("Authorization");
        if (auth == null) {
            auth = request.getHeader("X-ZUMO-AUTH");
        }
        if (auth != null && !auth.isBlank()) {
            return "token:" + Integer.toHexString(auth.hashCode());
        }
        return null;
    }

    private static void addSecurityHeaders(RoutingContext context, String path) {
        var headers = context.response().headers();
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("X-Frame-Options", "DENY");
        headers.set("Referrer-Policy", "no-referrer");
        if (!path.startsWith("/q/swagger-ui") && !path.startsWith("/q/dev")) {
            headers.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        }
        if ("https".equals(context.request().scheme())) {
            headers.set("Strict-Transport-Security", "max-age=31536000");
        }
    }
}
