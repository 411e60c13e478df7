package io.edgesync.device;

import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.edgesync.cache.RecordStore;
import io.edgesync.cache.TableCatalog;
import io.edgesync.cache.Transactions;
import io.edgesync.common.Meters;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * Tombstone retention: a deleted row's tombstone loses its columns once every active device that pulls its table has
 * pulled past it, or when the retention period has passed, whichever comes first, and stays as an id-only tombstone so
 * that devices coming back later still learn of the delete. Id-only tombstones go after
 * {@code edgesync.tables.id-tombstone-retention-days}; the table remembers the change position up to which they went,
 * so a native token from before it gets a "full resync required" answer instead of silently missing deletes. <p> The
 * purge works table by table in batches of {@value #BATCH} rows, each its own short transaction, and skips rows that a
 * write holds at that moment (the next run takes them): however many tombstones piled up, no statement runs long, locks
 * much, or waits for a write.
 */
@ApplicationScoped
public class TombstonePurger {

    /** Rows one purge statement touches at most. */
    static final int BATCH = 1000;

    private final TableCatalog catalog;
    private final RecordStore records;
    private final Vertx vertx;
    private final EdgeSyncConfig.Tables config;
    private final Role role;
    private final MeterRegistry metrics;
    private long timer = -1;

    public TombstonePurger(TableCatalog catalog, RecordStore records, Vertx vertx, EdgeSyncConfig config,
            MeterRegistry metrics) {
        this.catalog = catalog;
        this.records = records;
        this.vertx = vertx;
        this.config = config.tables();
        this.role = config.role();
        this.metrics = metrics;
    }

    void start(@Observes StartupEvent event) {
        if (!role.includes(Role.EDGE)) {
            return;
        }
        long interval = Duration.ofSeconds(config.purgeIntervalSeconds()).toMillis();
        timer = vertx.setPeriodic(interval, id -> purgeTombstones().subscribe()
                .with(
                        purged -> {
                            if (purged > 0) {
                                Log.infof("Purged %d tombstones (their columns, or id-only ones past their retention)",
                                        purged);
                            }
                        },
                        failure -> Log.warnf("Tombstone purge failed: %s", failure.getMessage())));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Runs one purge now and returns how many tombstones it stripped of their columns or deleted. */
    public Uni<Long> purgeTombstones() {
        return purgeTombstones(Duration.ofDays(config.idTombstoneRetentionDays()));
    }

    /** Runs one purge now, deleting id-only tombstones older than {@code idRetention}. */
    public Uni<Long> purgeTombstones(Duration idRetention) {
        return catalog.tableNames()
                .onItem()
                .transformToMulti(tables -> Multi.createFrom().iterable(tables))
                .onItem()
                .transformToUniAndConcatenate(table -> purgeTombstones(table, idRetention))
                .collect()
                .with(Collectors.summingLong(Long::longValue));
    }

    /**
     * Runs one purge of {@code table} (its lookup key) now, deleting id-only tombstones older than {@code idRetention}.
     */
    public Uni<Long> purgeTombstones(String table, Duration idRetention) {
        return inBatches(() -> records.stripTombstones(table, config.activeDeviceDays(),
                config.tombstoneRetentionDays(), BATCH), "columns")
                .flatMap(stripped -> inBatches(() -> records.deleteIdOnlyTombstones(table, idRetention, BATCH), "id")
                        .map(deleted -> stripped + deleted));
    }

    /**
     * Runs {@code batch} until it touches fewer than {@value #BATCH} rows, and returns how many it touched. A batch
     * touches rows that writes and replicated changes may lock in another order at the same moment: a deadlock is
     * retried, as for every write.
     */
    private Uni<Long> inBatches(Supplier<Uni<Long>> batch, String stage) {
        return Transactions.<Long>retryingDeadlocks(batch::get).flatMap(count -> {
            Meters.counter(metrics, "edgesync.tombstones.purged", "stage", stage).increment(count);
            return count < BATCH ? Uni.createFrom().item(count) : inBatches(batch, stage).map(more -> count + more);
        });
    }
}
