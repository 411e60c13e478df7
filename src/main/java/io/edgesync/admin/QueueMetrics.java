package io.edgesync.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * Gauges of the device queues: {@code edgesync.queue.parked} (parked operations across devices) and
 * {@code edgesync.devices.active} (devices seen in the last day). Both are counted every 10 seconds rather than on
 * every scrape, so scrapes cost the database nothing; between counts, and while the database is unreachable, the gauges
 * keep the last values.
 */
@ApplicationScoped
public class QueueMetrics {

    static final Duration REFRESH_INTERVAL = Duration.ofSeconds(10);
    static final Duration ACTIVE_WINDOW = Duration.ofDays(1);

    private final AdminRepository repository;
    private final Vertx vertx;
    private final MeterRegistry metrics;
    private final Role role;
    private final AtomicLong parked = new AtomicLong();
    private final AtomicLong activeDevices = new AtomicLong();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private long timer = -1;

    public QueueMetrics(AdminRepository repository, Vertx vertx, MeterRegistry metrics, EdgeSyncConfig config) {
        this.repository = repository;
        this.vertx = vertx;
        this.metrics = metrics;
        this.role = config.role();
    }

    void start(@Observes StartupEvent event) {
        if (!role.includes(Role.EDGE)) {
            return;
        }
        Gauge.builder("edgesync.queue.parked", parked, AtomicLong::doubleValue)
                .description("Parked operations across devices, waiting for an administrator's retry or discard")
                .register(metrics);
        Gauge.builder("edgesync.devices.active", activeDevices, AtomicLong::doubleValue)
                .description("Devices seen in the last day")
                .register(metrics);
        refreshGauges().subscribe().with(ignored -> {
        });
        timer = vertx.setPeriodic(REFRESH_INTERVAL.toMillis(), id -> refreshGauges().subscribe().with(ignored -> {
        }));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /**
     * Counts now, unless a count is still running (a slow database does not pile counts up). Never fails: a failed
     * count keeps the last values.
     */
    Uni<Void> refreshGauges() {
        if (!refreshing.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        return repository.countParkedAndActive(Instant.now().minus(ACTIVE_WINDOW))
                .invoke(gauges -> {
                    parked.set(gauges.parked());
                    activeDevices.set(gauges.activeDevices());
                })
                .replaceWithVoid()
                .onFailure()
                .recoverWithUni(failure -> {
                    // Readiness reports an unreachable database; a debug line every 10 seconds is enough here
                    Log.debugf("Queue gauges not refreshed: %s", failure.getMessage());
                    return Uni.createFrom().voidItem();
                })
                .eventually(() -> refreshing.set(false));
    }
}
