package io.edgesync.device;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

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
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

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

    /**
     * One batch of the first stage on table $1: the horizon is the lowest position (native replicas) and watermark
     * (ZUMO replicas) of the devices seen within the active period ($2 days); tombstones below both, or older than the
     * retention ($3 days), lose their columns.
     */
    private static final String STRIP = """
            WITH horizon AS (
                SELECT (SELECT min(r.change_seq) FROM device_replica r JOIN device d ON d.id = r.device_id
                         WHERE r.table_name = $1 AND r.change_seq IS NOT NULL
                           AND d.last_seen > clock_timestamp() - make_interval(days => $2)) AS min_seq,
                       (SELECT min(r.watermark) FROM device_replica r JOIN device d ON d.id = r.device_id
                         WHERE r.table_name = $1 AND r.watermark IS NOT NULL
                           AND d.last_seen > clock_timestamp() - make_interval(days => $2)) AS min_watermark),
            victims AS (
                SELECT s.id FROM sync_record s, horizon h
                WHERE s.table_name = $1 AND s.deleted AND NOT s.columns_purged
                  AND ((h.min_seq IS NULL OR s.change_seq <= h.min_seq)
                       AND (h.min_watermark IS NULL OR s.updated_at < h.min_watermark)
                       OR s.updated_at < clock_timestamp() - make_interval(days => $3))
                LIMIT $4
                FOR UPDATE OF s SKIP LOCKED)
            UPDATE sync_record s SET data = '{}'::jsonb, columns_purged = TRUE
            FROM victims v
            WHERE s.table_name = $1 AND s.id = v.id""";

    /**
     * One batch of the second stage on table $1: id-only tombstones older than $2 milliseconds go, and the table
     * remembers the position up to which they went.
     */
    private static final String DELETE = """
            WITH victims AS (
                SELECT s.id FROM sync_record s
                WHERE s.table_name = $1 AND s.deleted AND s.columns_purged
                  AND s.updated_at < clock_timestamp() - $2 * INTERVAL '1 millisecond'
                LIMIT $3
                FOR UPDATE SKIP LOCKED),
            purged AS (
                DELETE FROM sync_record s USING victims v
                WHERE s.table_name = $1 AND s.id = v.id
                RETURNING s.change_seq),
            marked AS (
                UPDATE sync_table t
                SET purged_through = GREATEST(t.purged_through, (SELECT max(change_seq) FROM purged))
                WHERE t.name = $1 AND EXISTS (SELECT 1 FROM purged)
                RETURNING t.name)
            SELECT count(*) FROM purged""";

    private final Pool pool;
    private final Vertx vertx;
    private final EdgeSyncConfig.Tables config;
    private final Role role;
    private final MeterRegistry metrics;
    private long timer = -1;

    public TombstonePurger(Pool pool, Vertx vertx, EdgeSyncConfig config, MeterRegistry metrics) {
        this.pool = pool;
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
        return pool.query("SELECT name FROM sync_table ORDER BY name").execute().map(rows -> {
            List<String> tables = new ArrayList<>();
            rows.forEach(row -> tables.add(row.getString("name")));
            return tables;
        })
                .onItem()
                .transformToMulti(tables -> Multi.createFrom().iterable(tables))
                .onItem()
                .transformToUniAndConcatenate(table -> inBatches(
                        () -> pool.preparedQuery(STRIP)
                                .execute(Tuple.of(table, config.activeDeviceDays(), config.tombstoneRetentionDays(),
                                        BATCH))
                                .map(rows -> (long) rows.rowCount()),
                        "columns")
                        .flatMap(stripped -> inBatches(
                                () -> pool.preparedQuery(DELETE)
                                        .execute(Tuple.of(table, idRetention.toMillis(), BATCH))
                                        .map(rows -> rows.iterator().next().getLong(0)),
                                "id")
                                .map(deleted -> stripped + deleted)))
                .collect()
                .with(Collectors.summingLong(Long::longValue));
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
