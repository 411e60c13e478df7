package io.edgesync.health;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.config.EdgeSyncConfig;
import io.quarkus.logging.Log;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.health.SmallRyeHealth;
import io.smallrye.health.SmallRyeHealthReporter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Who sees what of {@code /q/health}: everyone (the kubelet's probes, load balancers) gets the status of every check,
 * only the admin role gets their details (Kafka's bootstrap servers, outbox lags, what holds visibility back). In
 * anonymous mode, like the metrics, everyone is the admin.
 */
@ApplicationScoped
public class HealthDetails {

    private static final String ROOT = "/q/health";
    private static final Map<String, Function<SmallRyeHealthReporter, SmallRyeHealth>> PROCEDURES = Map.of(
            "", SmallRyeHealthReporter::getHealth,
            "/live", SmallRyeHealthReporter::getLiveness,
            "/ready", SmallRyeHealthReporter::getReadiness,
            "/started", SmallRyeHealthReporter::getStartup,
            "/well", SmallRyeHealthReporter::getWellness,
            "/group", SmallRyeHealthReporter::getHealthGroups);

    private final SmallRyeHealthReporter reporter;
    private final EdgeSyncConfig.Security security;
    private final ObjectMapper json;

    public HealthDetails(SmallRyeHealthReporter reporter, EdgeSyncConfig config, ObjectMapper json) {
        this.reporter = reporter;
        this.security = config.security();
        this.json = json;
    }

    /** Runs after Quarkus set up the (lazy) identity of the request and before the health endpoints. */
    void install(@Observes Router router) {
        router.route().order(-40).handler(this::guard);
    }

    private void guard(RoutingContext context) {
        Optional<Function<SmallRyeHealthReporter, SmallRyeHealth>> procedure = procedure(context.normalizedPath());
        HttpMethod method = context.request().method();
        if (procedure.isEmpty() || security.anonymous()
                || (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD))) {
            context.next();
            return;
        }
        Uni<SecurityIdentity> identity = context.get(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
        if (identity == null) {
            answerWithoutDetails(context, procedure.get());
            return;
        }
        identity.subscribe().with(caller -> {
            if (caller != null && !caller.isAnonymous() && caller.getRoles().contains(security.adminRole())) {
                context.next();
            } else {
                answerWithoutDetails(context, procedure.get());
            }
        }, invalidToken -> {
            // Quarkus's failure handler answered the 401 every invalid token gets
        });
    }

    /** The health procedure a path asks for; a named group is a group too. Empty for other paths. */
    static Optional<Function<SmallRyeHealthReporter, SmallRyeHealth>> procedure(String path) {
        if (!path.startsWith(ROOT)) {
            return Optional.empty();
        }
        String rest = path.substring(ROOT.length());
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.startsWith("/group/")) {
            String group = rest.substring("/group/".length());
            return Optional.of(health -> health.getHealthGroup(group));
        }
        return Optional.ofNullable(PROCEDURES.get(rest));
    }

    private void answerWithoutDetails(RoutingContext context,
            Function<SmallRyeHealthReporter, SmallRyeHealth> procedure) {
        context.vertx()
                .executeBlocking(() -> withoutDetails(procedure.apply(reporter)), false)
                .onSuccess(answer -> {
                    if (!context.response().ended()) {
                        context.response()
                                .setStatusCode(answer.up() ? 200 : 503)
                                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=UTF-8")
                                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                                .end(answer.body());
                    }
                })
                .onFailure(failure -> {
                    Log.warnf(failure, "Health checks failed to run");
                    context.fail(failure);
                });
    }

    private record Answer(boolean up, String body) {
    }

    /** The status of the whole and of every check, without the checks' data. */
    private Answer withoutDetails(SmallRyeHealth health) throws Exception {
        JsonNode payload = json.readTree(health.getPayload().toString());
        for (JsonNode check : payload.path("checks")) {
            if (check instanceof ObjectNode fields) {
                fields.remove("data");
            }
        }
        return new Answer(!health.isDown(), json.writeValueAsString(payload));
    }
}
