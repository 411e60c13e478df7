package io.edgesync.health;

import java.time.Duration;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.edgesync.cache.VisibilityHorizon;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;

/**
 * Readiness of pulls: whether the visibility horizon of every table is known, and how far it lags behind commits
 * (docs/adr/0003-stamps-below-a-visibility-horizon.md).
 *
 * <p> Not ready until the first read of the tables' clocks has established every table's horizon (a pull before that
 * would have to wait). A horizon held back by a long transaction elsewhere in the database cluster keeps the process
 * ready: writes go on and pulls serve what is visible; the check says so, with the session that holds it back.
 */
@Readiness
@ApplicationScoped
public class VisibilityHealthCheck implements HealthCheck {

    private final VisibilityHorizon horizon;
    private final boolean servesPulls;
    private final Duration heldBackAfter;

    public VisibilityHealthCheck(VisibilityHorizon horizon, EdgeSyncConfig config) {
        this.horizon = horizon;
        this.servesPulls = config.role().includes(Role.EDGE);
        this.heldBackAfter = Duration.ofSeconds(Math.max(1, config.visibility().heldBackAfterSeconds()));
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Change visibility");
        if (!servesPulls) {
            return response.up().withData("visibility", "not served by this role").build();
        }
        Duration lag = horizon.lag();
        response.withData("lag.seconds", String.format(Locale.ROOT, "%.3f", lag.toMillis() / 1000.0));
        if (!horizon.established()) {
            return response.down().withData("visibility", "establishing the horizon of every table").build();
        }
        if (lag.compareTo(heldBackAfter) > 0) {
            response.withData("visibility", "held back");
            horizon.heldBackBy().ifPresent(who -> response.withData("held.back.by", who));
        } else {
            response.withData("visibility", "current");
        }
        return response.up().build();
    }
}
