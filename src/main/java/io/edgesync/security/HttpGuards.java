package io.edgesync.security;

import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.edgesync.common.Problem;
import io.edgesync.config.EdgeSyncConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Guards on every HTTP exchange, before any endpoint runs and before a request body is read: the Azure clients'
 * {@code X-ZUMO-AUTH} token as a bearer token, security headers on every response, per-device rate limiting (429 with
 * {@code Retry-After}) of the device-facing endpoints, 401 for writes without a token where a token is needed, and 413
 * for a {@code Content-Length} over the body limit. Bodies without a length are counted as they are read
 * ({@link RequestBodies}).
 */
@ApplicationScoped
public class HttpGuards {

    private static final Pattern NATIVE_DEVICE = Pattern.compile("^/sync/v1/devices/([^/]+)");
    private static final Set<HttpMethod> READS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private final RateLimiter limiter;
    private final boolean rateLimited;
    private final int maxBodyBytes;
    private final TableAccess access;
    private final MeterRegistry metrics;

    public HttpGuards(EdgeSyncConfig config, TableAccess access, MeterRegistry metrics) {
        EdgeSyncConfig.Limits.RateLimit rate = config.limits().rateLimit();
        this.limiter = new RateLimiter(rate.requestsPerSecond(), rate.burst());
        this.rateLimited = rate.enabled();
        this.maxBodyBytes = config.limits().maxBodyBytes();
        this.access = access;
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
                refuse(context, Problem.of(429, "Too many requests from this device; retry after " + retryAfter
                        + " s"), response -> response.putHeader("Retry-After", Long.toString(retryAfter)));
                return;
            }
        }
        if (!READS.contains(request.method())) {
            if (!hasCredentials(request) && needsToken(context.normalizedPath())) {
                refuse(context, Problem.of(401, AccessDeniedException.unauthenticated().getMessage()),
                        response -> response.putHeader("WWW-Authenticate", "Bearer"));
                return;
            }
            String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null) {
                long bytes;
                try {
                    bytes = Long.parseLong(length.trim());
                } catch (NumberFormatException e) {
                    refuse(context, Problem.of(400, "Invalid Content-Length"), response -> {
                    });
                    return;
                }
                if (bytes > maxBodyBytes) {
                    refuse(context, RequestBodies.tooLarge(maxBodyBytes), response -> {
                    });
                    return;
                }
            }
        }
        context.next();
    }

    /**
     * Whether a write to {@code path} needs a token: a table not open to callers without one, the native API when no
     * table is, and the admin API. Decided on the normalised path, the one the endpoints are matched with.
     */
    private boolean needsToken(String path) {
        if (access.wholeGatewayAnonymous()) {
            return false;
        }
        if (path.startsWith("/tables/")) {
            String rest = path.substring("/tables/".length());
            int slash = rest.indexOf('/');
            return !access.allowsAnonymous(slash < 0 ? rest : rest.substring(0, slash));
        }
        if (path.startsWith("/sync/")) {
            return !access.allowsAnonymousSomewhere();
        }
        return path.equals("/admin") || path.startsWith("/admin/");
    }

    static boolean hasCredentials(HttpServerRequest request) {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        return authorization != null && !authorization.isBlank();
    }

    /**
     * Answers before any endpoint ran, with the JSON every client reads; the body of a write is not read, so the
     * connection is closed after the answer (HTTP/1.1 could not tell where the unread body ends).
     */
    static void refuse(RoutingContext context, Problem problem, Consumer<HttpServerResponse> headers) {
        HttpServerRequest request = context.request();
        HttpServerResponse response = context.response()
                .setStatusCode(problem.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
        headers.accept(response);
        boolean unreadBody = !request.isEnded() && !READS.contains(request.method());
        if (unreadBody && request.version() != HttpVersion.HTTP_2) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        response.end(problem.toJsonForEveryClient()).onComplete(done -> {
            if (unreadBody && request.version() != HttpVersion.HTTP_2) {
                request.connection().close();
            }
        });
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
