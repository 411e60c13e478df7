package io.edgesync.cache;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.odata.SqlParams;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The version history merges read ({@code record_version}): the user columns of a record at each version of a table
 * whose conflict policy needs a base, written in the statement of the change that made the version, kept for
 * {@code edgesync.tables.merge-base-retention-days}. Edges keep their devices' changes and the changes they receive
 * from other edges, central the states it accepted.
 */
@ApplicationScoped
public class RecordVersions {

    /** Rows one retention statement deletes at most. */
    static final int BATCH = 1000;

    private static final String PRUNE = """
            DELETE FROM record_version
            WHERE (table_name, record_id, version) IN (
                SELECT table_name, record_id, version FROM record_version
                WHERE kept_at < clock_timestamp() - $1 * INTERVAL '1 millisecond'
                ORDER BY kept_at LIMIT $2)""";

    /**
     * One version to keep.
     *
     * @param data the record's user columns at that version
     */
    public record Kept(String table, String id, String version, ObjectNode data) {
    }

    private final Pool pool;
    private final Vertx vertx;
    private final ObjectMapper json;
    private final EdgeSyncConfig.Tables config;
    private long timer = -1;

    public RecordVersions(Pool pool, Vertx vertx, ObjectMapper json, EdgeSyncConfig config) {
        this.pool = pool;
        this.vertx = vertx;
        this.json = json;
        this.config = config.tables();
    }

    /**
     * The part of a write statement that keeps versions: a CTE named {@code kept_versions} over arrays bound to
     * {@code params}. A version kept already stays as it is.
     */
    public static String appendCte(SqlParams params, List<Kept> versions) {
        return """
                kept_versions AS (
                    INSERT INTO record_version (table_name, record_id, version, data)
                    SELECT v.table_name, v.record_id, v.version, v.data::jsonb
                    FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) AS v(table_name, record_id, version, data)
                    ON CONFLICT DO NOTHING)"""
                .formatted(params.add(versions.stream().map(Kept::table).toArray(String[]::new)),
                        params.add(versions.stream().map(Kept::id).toArray(String[]::new)),
                        params.add(versions.stream().map(Kept::version).toArray(String[]::new)),
                        params.add(versions.stream().map(v -> v.data().toString()).toArray(String[]::new)));
    }

    /**
     * The part of a write statement that keeps the version of the rows a CTE wrote: a CTE named {@code name} that
     * inserts {@code table_name, id, version, data} of {@code written}.
     */
    public static String keepWrittenCte(String name, String written) {
        return """
                %1$s AS (
                    INSERT INTO record_version (table_name, record_id, version, data)
                    SELECT w.table_name, w.id, w.version, w.data FROM %2$s w
                    ON CONFLICT DO NOTHING)""".formatted(name, written);
    }

    /**
     * The user columns of records at versions, by {@link RecordStore#versionKey}; a version no longer kept (or never
     * kept) is absent.
     *
     * @param keys {table, record id, version} each
     */
    public Uni<Map<String, ObjectNode>> find(SqlClient tx, List<String[]> keys) {
        if (keys.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return tx.preparedQuery("""
                SELECT v.table_name, v.record_id, v.version, v.data::text AS data
                FROM record_version v
                JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(table_name, id, version)
                  ON v.table_name = k.table_name AND v.record_id = k.id AND v.version = k.version""")
                .execute(Tuple.of(keys.stream().map(k -> k[0]).toArray(String[]::new),
                        keys.stream().map(k -> k[1]).toArray(String[]::new),
                        keys.stream().map(k -> k[2]).toArray(String[]::new)))
                .map(rows -> {
                    Map<String, ObjectNode> versions = new HashMap<>();
                    for (Row row : rows) {
                        try {
                            versions.put(RecordStore.versionKey(row.getString("table_name"),
                                    row.getString("record_id"), row.getString("version")),
                                    (ObjectNode) json.readTree(row.getString("data")));
                        } catch (JsonProcessingException e) {
                            // an unreadable base is an unknown base: the policy decides without it
                        }
                    }
                    return versions;
                });
    }

    void start(@Observes StartupEvent event) {
        long interval = Duration.ofSeconds(config.purgeIntervalSeconds()).toMillis();
        timer = vertx.setPeriodic(interval, id -> prune(Duration.ofDays(config.mergeBaseRetentionDays())).subscribe()
                .with(pruned -> {
                    if (pruned > 0) {
                        Log.infof("Forgot %d record versions past the merge base retention", pruned);
                    }
                }, failure -> Log.warnf("Record version retention failed: %s", failure.getMessage())));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Deletes the versions kept longer than {@code retention}, in batches; returns how many went. */
    public Uni<Long> prune(Duration retention) {
        return pool.preparedQuery(PRUNE)
                .execute(Tuple.of(retention.toMillis(), BATCH))
                .map(rows -> (long) rows.rowCount())
                .flatMap(pruned -> pruned < BATCH
                        ? Uni.createFrom().item(pruned)
                        : prune(retention).map(more -> pruned + more));
    }
}
