package io.edgesync.device;

import java.time.Duration;

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
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Tombstone retention: a deleted row's tombstone is purged once every active device that pulls its table has pulled
 * past it, or when the retention period has passed, whichever comes first. The table remembers the change position up
 * to which it purged, so a native token from before it gets a "full resync required" answer instead of silently missing
 * deletes.
 */
@ApplicationScoped
public class TombstonePurger {

    /**
     * One statement per run: per table, the horizon is the lowest position (native replicas) and watermark (ZUMO
     * replicas) of the devices seen within the active period; tombstones below both, or older than the retention, go.
     */
    private static final String PURGE = """
            WITH horizon AS (
                SELECT t.name,
                       (SELECT min(r.change_seq) FROM device_replica r JOIN device d ON d.id = r.device_id
                         WHERE r.table_name = t.name AND r.change_seq IS NOT NULL
                           AND d.last_seen > clock_timestamp() - make_interval(days => $1)) AS min_seq,
                       (SELECT min(r.watermark) FROM device_replica r JOIN device d ON d.id = r.device_id
                         WHERE r.table_name = t.name AND r.watermark IS NOT NULL
                           AND d.last_seen > clock_timestamp() - make_interval(days => $1)) AS min_watermark
                FROM sync_table t),
            purged AS (
                DELETE FROM sync_record s
                USING horizon h
                WHERE s.table_name = h.name
                  AND s.deleted
                  AND ((h.min_seq IS NULL OR s.change_seq <= h.min_seq)
                       AND (h.min_watermark IS NULL OR s.updated_at < h.min_watermark)
                       OR s.updated_at < clock_timestamp() - make_interval(days => $2))
                RETURNING s.table_name, s.change_seq),
            marked AS (
                UPDATE sync_table t
                SET purged_through = GREATEST(t.purged_through, p.max_seq)
                FROM (SELECT table_name, max(change_seq) AS max_seq FROM purged GROUP BY table_name) p
                WHERE t.name = p.table_name
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
                                Log.infof("Purged %d tombstones", purged);
                            }
                        },
                        failure -> Log.warnf("Tombstone purge failed: %s", failure.getMessage())));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /**
     * Runs one purge now and returns how many tombstones went. The purge deletes rows that writes and replicated
     * changes may lock in another order at the same moment: a deadlock is retried, as for every write.
     */
    public Uni<Long> purgeTombstones() {
        return Transactions.<RowSet<Row>>retryingDeadlocks(() -> pool.preparedQuery(PURGE)
                .execute(Tuple.of(config.activeDeviceDays(), config.tombstoneRetentionDays())))
                .map(rows -> rows.iterator().next().getLong(0))
                .invoke(purged -> Meters.counter(metrics, "edgesync.tombstones.purged").increment(purged));
    }
}
