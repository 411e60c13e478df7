package io.edgesync.security;

import java.io.ByteArrayInputStream;
import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.container.ContainerRequestContext;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.edgesync.common.Problem;
import io.edgesync.config.EdgeSyncConfig;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * What a request body may cost before anyone knows who sent it. A token that comes with a write is verified before its
 * body is read (an invalid one is a 401 whatever the body); a body without {@code Content-Length} (chunked) is counted
 * while it is read and refused with a 413 the moment it passes {@code edgesync.limits.max-body-bytes}, and the
 * connection is closed. Bodies with a length were checked against the limit already ({@link HttpGuards}).
 */
@ApplicationScoped
public class RequestBodies {

    /** Where a body read here waits for the endpoint. */
    private static final String BODY = RequestBodies.class.getName() + ".body";
    /** Where Quarkus's own answer to a failed authentication waits until the endpoints run. */
    private static final String QUARKUS_FAILURE_HANDLER = RequestBodies.class.getName() + ".quarkusFailureHandler";

    private final int maxBodyBytes;

    public RequestBodies(EdgeSyncConfig config) {
        this.maxBodyBytes = config.limits().maxBodyBytes();
    }

    /** Runs after Quarkus set up the (lazy) identity of the request and before any endpoint reads a body. */
    void install(@Observes Router router) {
        // From right after Quarkus set up the identity until the endpoints run, a failed authentication answers the
        // JSON 401 (Quarkus's own is empty); the endpoints answer it themselves, so Quarkus's handler is back for them.
        BiConsumer<RoutingContext, Throwable> refuseInvalidToken = (context, failure) -> refuseInvalidToken(context);
        router.route().order(-190).handler(context -> {
            context.put(QUARKUS_FAILURE_HANDLER, context.get(QuarkusHttpUser.AUTH_FAILURE_HANDLER));
            context.put(QuarkusHttpUser.AUTH_FAILURE_HANDLER, refuseInvalidToken);
            context.next();
        });
        router.route().order(-50).handler(this::beforeBody);
    }

    static Problem tooLarge(int maxBodyBytes) {
        return Problem.of(413, "The request body is larger than " + maxBodyBytes + " bytes");
    }

    private void beforeBody(RoutingContext context) {
        HttpServerRequest request = context.request();
        HttpMethod method = request.method();
        if (request.isEnded() || method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)
                || method.equals(HttpMethod.OPTIONS)) {
            toEndpoint(context);
            return;
        }
        Uni<SecurityIdentity> identity = HttpGuards.hasCredentials(request)
                ? context.get(QuarkusHttpUser.DEFERRED_IDENTITY_KEY)
                : null;
        if (identity == null) {
            readBody(context);
            return;
        }
        identity.subscribe().with(verified -> readBody(context), invalid -> refuseInvalidToken(context));
    }

    private static void toEndpoint(RoutingContext context) {
        Object quarkusFailureHandler = context.get(QUARKUS_FAILURE_HANDLER);
        if (quarkusFailureHandler != null) {
            context.put(QuarkusHttpUser.AUTH_FAILURE_HANDLER, quarkusFailureHandler);
        }
        context.next();
    }

    private static void refuseInvalidToken(RoutingContext context) {
        if (!context.response().ended()) {
            HttpGuards.refuse(context, Problem.of(401, "Invalid or expired token"),
                    response -> response.putHeader("WWW-Authenticate", "Bearer"));
        }
    }

    private void readBody(RoutingContext context) {
        HttpServerRequest request = context.request();
        if (request.getHeader("Content-Length") != null) {
            toEndpoint(context);
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        request.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > maxBodyBytes) {
                refused[0] = true;
                HttpGuards.refuse(context, tooLarge(maxBodyBytes), response -> {
                });
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(failure -> refused[0] = true);
        request.endHandler(end -> {
            if (!refused[0]) {
                context.put(BODY, body);
                toEndpoint(context);
            }
        });
        request.resume();
    }

    /** Hands a body read (and counted) here to the endpoint, which would otherwise read the request again. */
    @ServerRequestFilter(preMatching = true)
    public void handOver(ContainerRequestContext request, RoutingContext context) {
        Buffer body = context.get(BODY);
        if (body != null) {
            request.setEntityStream(new ByteArrayInputStream(body.getBytes()));
        }
    }
}
