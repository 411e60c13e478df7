package io.edgesync.security;

import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.ConfigProvider;

import io.edgesync.common.Problem;
import io.edgesync.config.EdgeSyncConfig;
import io.micrometer.core.instrument.Counter;
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
 * {@code X-ZUMO-AUTH} token as a bearer token, security headers on every response, rate limits per caller and per
 * device (429 with {@code Retry-After}, {@link RateLimits}) of the device-facing endpoints, 401 for writes without a
 * token where a token is needed, and 413 for a {@code Content-Length} over the body limit. Bodies without a length are
 * counted as they are read ({@link RequestBodies}).
 */
@ApplicationScoped
public class HttpGuards {

    private static final Set<HttpMethod> READS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);
    /**
     * The operator console (static files under {@code /console/}): its own scripts, styles and calls of this origin
     * only; nothing inline, nothing from elsewhere, not in a frame.
     */
    static final String CONSOLE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private final RateLimits rateLimits;
    private final boolean rateLimited;
    /** Whether {@code /q/metrics} is for the admin role only (the permission policy, in a mode with tokens). */
    private final boolean metricsNeedAdmin;
    private final int maxBodyBytes;
    private final TableAccess access;
    private final MeterRegistry metrics;

    public HttpGuards(EdgeSyncConfig config, TableAccess access, MeterRegistry metrics) {
        EdgeSyncConfig.Limits.RateLimit rate = config.limits().rateLimit();
        this.rateLimits = new RateLimits(rate);
        this.rateLimited = rate.enabled();
        this.metricsNeedAdmin = !access.wholeGatewayAnonymous() && AdminPolicy.NAME.equals(ConfigProvider.getConfig()
                .getOptionalValue("quarkus.http.auth.permission.metrics.policy", String.class)
                .orElse(""));
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
        String normalizedPath = context.normalizedPath();
        if (rateLimited && RateLimits.appliesTo(normalizedPath)) {
            Optional<RateLimits.Refusal> refusal = rateLimits.acquire(request, normalizedPath);
            if (refusal.isPresent()) {
                Counter.builder("edgesync.requests.rate_limited")
                        .description("Requests refused with 429 by the rate limit of a device or of a caller")
                        .tag("limit", refusal.get().limit())
                        .register(metrics)
                        .increment();
                String retryAfter = Long.toString(refusal.get().retryAfterSeconds());
                refuse(context, Problem.of(429, refusal.get().message()),
                        response -> response.putHeader("Retry-After", retryAfter));
                return;
            }
        }
        if (metricsNeedAdmin && !hasCredentials(request) && isMetrics(normalizedPath)) {
            // Quarkus's own refusal of the permission would be an empty 401
            refuse(context, Problem.of(401, AccessDeniedException.unauthenticated().getMessage()),
                    response -> response.putHeader("WWW-Authenticate", "Bearer"));
            return;
        }
        if (!READS.contains(request.method())) {
            if (!hasCredentials(request) && needsToken(normalizedPath)) {
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
    private static boolean isMetrics(String path) {
        return path.equals("/q/metrics") || path.startsWith("/q/metrics/");
    }

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

    private static void addSecurityHeaders(RoutingContext context, String path) {
        var headers = context.response().headers();
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("X-Frame-Options", "DENY");
        headers.set("Referrer-Policy", "no-referrer");
        if (path.equals("/console") || path.startsWith("/console/")) {
            headers.set("Content-Security-Policy", CONSOLE_POLICY);
        } else if (path.startsWith("/.auth/")) {
            // the sign-in popup's page hands its result over with a script of this origin
            headers.set("Content-Security-Policy", "default-src 'none'; script-src 'self'; frame-ancestors 'none'");
        } else if (!path.startsWith("/q/swagger-ui") && !path.startsWith("/q/dev")) {
            headers.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        }
        if ("https".equals(context.request().scheme())) {
            headers.set("Strict-Transport-Security", "max-age=31536000");
        }
    }
}
