package io.edgesync.health;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Readiness of the database, answered within {@value #TIMEOUT_SECONDS} seconds whatever the database does: DOWN when it
 * refuses connections and also when it stops answering without closing them (a frozen process, a network that drops
 * packets), where a probe would otherwise wait as long as the database. Liveness does not depend on it: the process
 * itself is fine and must not be restarted for the database's sake.
 */
@Readiness
@ApplicationScoped
public class DatabaseHealthCheck implements AsyncHealthCheck {

    static final int TIMEOUT_SECONDS = 3;

    private final Pool pool;

    public DatabaseHealthCheck(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query("SELECT 1")
                .execute()
                .ifNoItem()
                .after(Duration.ofSeconds(TIMEOUT_SECONDS))
                .fail()
                .map(rows -> HealthCheckResponse.up("Database"))
                .onFailure()
                .recoverWithItem(failure -> HealthCheckResponse.named("Database")
                        .down()
                        .withData("error", failure.getClass().getSimpleName())
                        .build());
    }
}
