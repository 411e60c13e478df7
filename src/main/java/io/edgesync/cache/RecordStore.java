package io.edgesync.cache;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.odata.Expr;
import io.edgesync.odata.OrderBy;
import io.edgesync.odata.SqlParams;
import io.edgesync.odata.SqlTranslator;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.sqlclient.data.Numeric;

/**
 * SQL of the edge cache. Every statement is parameterised; client text reaches PostgreSQL only as bind values.
 *
 * <p> Writes stamp a change in the same statement that writes the row: the table's clock hands out the next stamp (the
 * later of the wall-clock millisecond and the last stamp + 1), which is both the row's {@code updated_at} and its
 * change position. No lock is held until commit, so writes of one table commit concurrently; pulls read only below the
 * table's visibility horizon, which is what makes watermark and token pulls complete (see
 * docs/adr/0003-stamps-below-a-visibility-horizon.md).
 */
@ApplicationScoped
public class RecordStore {

    /** The columns {@link #toStoredRecord(Row, ObjectMapper)} reads, for queries of other components. */
    public static final String SELECT_COLUMNS = "r.id, r.data::text AS data, r.created_at, r.updated_at, r.version,"
            + " r.deleted, r.owner_id, r.client_updated_at, r.columns_purged";

    static final String COLUMNS = SELECT_COLUMNS;

    /** Tombstones below every active device's horizon, or past their retention, lose their columns. */
    private static final String STRIP_TOMBSTONES = """
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
                  AND ((h.min_seq IS NULL OR s.updated_at <= es_stamp_time(h.min_seq))
                       AND (h.min_watermark IS NULL OR s.updated_at < h.min_watermark)
                       OR s.updated_at < clock_timestamp() - make_interval(days => $3))
                LIMIT $4
                FOR UPDATE OF s SKIP LOCKED)
            UPDATE sync_record s SET data = '{}'::jsonb, columns_purged = TRUE
            FROM victims v
            WHERE s.table_name = $1 AND s.id = v.id""";

    /** Id-only tombstones past their retention go; the table's purge mark moves past them. */
    private static final String DELETE_ID_ONLY_TOMBSTONES = """
            WITH victims AS (
                SELECT s.id FROM sync_record s
                WHERE s.table_name = $1 AND s.deleted AND s.columns_purged
                  AND s.updated_at < clock_timestamp() - $2 * INTERVAL '1 millisecond'
                LIMIT $3
                FOR UPDATE SKIP LOCKED),
            purged AS (
                DELETE FROM sync_record s USING victims v
                WHERE s.table_name = $1 AND s.id = v.id
                RETURNING s.updated_at),
            %s
            SELECT count(*) FROM purged""".formatted(TableCatalog.markPurgedCte("marked", "purged", "$1"));

    private final Pool pool;
    private final ObjectMapper json;
    private final TableCatalog catalog;

    public RecordStore(Pool pool, ObjectMapper json, TableCatalog catalog) {
        this.pool = pool;
        this.json = json;
        this.catalog = catalog;
    }

    /** A page of a query: the rows, and whether more rows follow. */
    public record Page(List<StoredRecord> records, boolean hasMore) {
    }

    /**
     * One batch of tombstone purging's first stage on a table: the horizon is the lowest position (native replicas) and
     * watermark (ZUMO replicas) of the devices seen within {@code activeDeviceDays}; tombstones below both, or older
     * than {@code retentionDays}, lose their columns. Skips rows a write holds; returns how many it stripped.
     */
    public Uni<Long> stripTombstones(String table, int activeDeviceDays, int retentionDays, int batch) {
        return pool.preparedQuery(STRIP_TOMBSTONES)
                .execute(Tuple.of(table, activeDeviceDays, retentionDays, batch))
                .map(rows -> (long) rows.rowCount());
    }

    /**
     * One batch of tombstone purging's second stage on a table: id-only tombstones older than {@code retention} go, and
     * the table remembers the position up to which they went ({@link TableCatalog#markPurgedCte}). Skips rows a write
     * holds; returns how many it deleted.
     */
    public Uni<Long> deleteIdOnlyTombstones(String table, Duration retention, int batch) {
        return pool.preparedQuery(DELETE_ID_ONLY_TOMBSTONES)
                .execute(Tuple.of(table, retention.toMillis(), batch))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * Runs a query over one table.
     *
     * @param scope whose rows the caller sees
     * @param horizon for a pull, the table's visibility horizon: only changes at or below it
     * @param filter parsed {@code $filter}, if any
     * @param orderBy parsed {@code $orderby} ({@code id} is always appended as the final tie-breaker)
     * @param includeDeleted include tombstones
     * @param skip rows to skip
     * @param limit rows to return at most (one more is read to tell whether more follow)
     */
    public Uni<Page> queryRecords(TableInfo table, RowScope scope, OptionalLong horizon,
            Optional<Expr> filter, List<OrderBy> orderBy, boolean includeDeleted, long skip, int limit) {
        // Translate first: an invalid query is an error even on an empty or not yet created table.
        Statement query = queryStatement(table, scope, horizon, filter, orderBy, includeDeleted, skip, limit + 1);
        if (!table.persisted() || limit <= 0) {
            return Uni.createFrom().item(new Page(List.of(), false));
        }
        return pool.preparedQuery(query.sql())
                .execute(query.params())
                .map(rows -> {
                    List<StoredRecord> records = new ArrayList<>(limit);
                    for (Row row : rows) {
                        if (records.size() == limit) {
                            return new Page(records, true);
                        }
                        records.add(toRecord(row));
                    }
                    return new Page(records, false);
                });
    }

    /** A SQL statement and its bind values. */
    public record Statement(String sql, Tuple params) {
    }

    /** The SELECT a query runs (exposed so tests can check its plan). */
    public Statement queryStatement(TableInfo table, RowScope scope, OptionalLong horizon,
            Optional<Expr> filter, List<OrderBy> orderBy, boolean includeDeleted, long skip, int rows) {
        SqlParams params = new SqlParams();
        String where = where(table, scope, horizon, filter, includeDeleted, params);
        String order = new SqlTranslator(table.resolver(), params).orderBy(orderBy);
        String sql = "SELECT " + COLUMNS + " FROM sync_record r WHERE " + where
                + " ORDER BY " + (order.isBlank() ? "" : order + ", ") + "r.id"
                + " LIMIT " + params.add((long) rows) + " OFFSET " + params.add(skip);
        return new Statement(sql, tuple(params));
    }

    /** How many rows match, ignoring paging. */
    public Uni<Long> countRecords(TableInfo table, RowScope scope, OptionalLong horizon,
            Optional<Expr> filter, boolean includeDeleted) {
        SqlParams params = new SqlParams();
        String sql = "SELECT count(*) FROM sync_record r WHERE "
                + where(table, scope, horizon, filter, includeDeleted, params);
        if (!table.persisted()) {
            return Uni.createFrom().item(0L);
        }
        return pool.preparedQuery(sql)
                .execute(tuple(params))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** The record with this id, tombstones included. */
    public Uni<Optional<StoredRecord>> findRecord(TableInfo table, String id) {
        if (!table.persisted()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM sync_record r WHERE r.table_name = $1 AND r.id = $2")
                .execute(Tuple.of(table.name(), id))
                .map(this::firstRecord);
    }

    /**
     * Drops the rows of {@code owners} from {@code tables} (lookup keys) at this edge only: an edge holding the rows of
     * the users who come to it evicts those of users gone idle. Nothing is sent anywhere; central keeps them.
     */
    public Uni<Void> evictOwners(List<String> tables, List<String> owners) {
        if (tables.isEmpty() || owners.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("DELETE FROM sync_record WHERE table_name = ANY($1) AND owner_id = ANY($2)")
                .execute(Tuple.of(tables.toArray(String[]::new), owners.toArray(String[]::new)))
                .replaceWithVoid();
    }

    /**
     * Drops the rows of {@code table} (a lookup key) that belong to users this edge does not hold ({@code edge_user}),
     * at this edge only: a table whose scope became {@code owners}. Rows of nobody stay.
     */
    public Uni<Void> evictOwnersNotHeld(String table) {
        return pool.preparedQuery("""
                DELETE FROM sync_record r WHERE r.table_name = $1 AND r.owner_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM edge_user u WHERE u.user_id = r.owner_id AND NOT u.evicted)""")
                .execute(Tuple.of(table))
                .replaceWithVoid();
    }

    /**
     * A live row and the master position of the last central change applied to or confirmed on it.
     */
    public record HeldRow(StoredRecord record, long masterSeq) {
    }

    /**
     * Up to {@code limit} live rows of a table after {@code afterId}, in id order: what an edge holds, as its scope
     * sweep reads it.
     */
    public Uni<List<HeldRow>> liveRows(String table, String afterId, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + ", r.master_seq FROM sync_record r"
                + " WHERE r.table_name = $1 AND NOT r.deleted AND r.id > $2 ORDER BY r.id LIMIT $3")
                .execute(Tuple.of(table, afterId, limit))
                .map(rows -> {
                    List<HeldRow> held = new ArrayList<>();
                    rows.forEach(row -> held.add(new HeldRow(toRecord(row), row.getLong("master_seq"))));
                    return held;
                });
    }

    /**
     * Reads and locks several records for the rest of the transaction, in (table, id) order so that two batches cannot
     * deadlock; records that do not exist are absent from the answer.
     *
     * @param keys pairs of table key and record id
     * @return the locked records by {@link #recordKey(String, String)}
     */
    public Uni<Map<String, StoredRecord>> lockRecords(SqlClient tx, List<String[]> keys) {
        if (keys.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return tx.preparedQuery("SELECT " + COLUMNS + ", r.table_name FROM sync_record r"
                + " JOIN unnest($1::text[], $2::text[]) AS k(table_name, id)"
                + " ON r.table_name = k.table_name AND r.id = k.id"
                + " ORDER BY r.table_name, r.id FOR UPDATE OF r")
                .execute(Tuple.of(keys.stream().map(k -> k[0]).toArray(String[]::new),
                        keys.stream().map(k -> k[1]).toArray(String[]::new)))
                .map(rows -> {
                    Map<String, StoredRecord> locked = new HashMap<>();
                    for (Row row : rows) {
                        StoredRecord record = toRecord(row);
                        locked.put(recordKey(row.getString("table_name"), record.id()), record);
                    }
                    return locked;
                });
    }

    /**
     * A row state the write path stores.
     *
     * @param stamp the change's stamp: {@code updatedAt} and change position
     * @param createdAt the row's creation time in milliseconds since the epoch; null on an update that keeps it
     * @param owner the owner of a new row
     * @param ownEvent the CUD event of the write ({@code own_event}: the version was written here, by that event)
     */
    public record RowWrite(String table, String id, ObjectNode data, boolean deleted, String version, long stamp,
            Long createdAt, Optional<String> owner, Optional<Instant> clientUpdatedAt, UUID ownEvent) {
    }

    /**
     * The part of a single write's statement that inserts one record, after the relation {@code after} has a row: CTEs
     * {@code stamp} (the record's stamp) and {@code written} (the row, and a NULL {@code replaced} version; empty when
     * the id exists). The row's {@code own_event} is a new id, for its CUD event.
     */
    public static String insertOneCtes(String after, String table, String id, String data, String version,
            String owner) {
        return """
                stamp AS (SELECT es_stamp(%1$s, 1) AS s FROM %6$s),
                written AS (
                    INSERT INTO sync_record AS r (table_name, id, data, created_at, updated_at, version, deleted,
                                                  change_seq, owner_id, own_event)
                    SELECT %1$s, %2$s, %3$s::text::jsonb, es_stamp_time(s), es_stamp_time(s), %4$s, FALSE, s, %5$s,
                           gen_random_uuid()
                    FROM stamp
                    ON CONFLICT (table_name, id) DO NOTHING
                    RETURNING r.*, NULL::text AS replaced)""".formatted(table, id, data, version, owner, after);
    }

    /**
     * The part of a single write's statement that updates or deletes one record, after the relation {@code after} has a
     * row: CTEs {@code current_row} (the record, locked), {@code allowed} (it, when live, at the {@code required}
     * version if one is bound, and {@code inScope}), {@code stamp} and {@code written} (the new row and the
     * {@code replaced} version; empty when the record is not allowed). The row's {@code own_event} is a new id, for its
     * CUD event.
     *
     * @param data the columns bound as JSON text, or empty for a delete
     * @param merge the boolean bound for "merge {@code data} into the columns" (with {@code data})
     */
    public static String updateOneCtes(String after, String table, String id, String required, String inScope,
            Optional<String> data, Optional<String> merge, String version) {
        String change = data
                .map(columns -> "data = CASE WHEN %s THEN a.data || %s::text::jsonb ELSE %s::text::jsonb END"
                        .formatted(merge.orElseThrow(), columns, columns))
                .orElse("deleted = TRUE");
        return """
                current_row AS (
                    SELECT r.* FROM sync_record r
                    WHERE r.table_name = %1$s AND r.id = %2$s AND EXISTS (SELECT 1 FROM %7$s)
                    FOR UPDATE OF r),
                allowed AS (
                    SELECT c.* FROM current_row c
                    WHERE NOT c.deleted AND (%3$s::text IS NULL OR c.version = %3$s)
                      AND %4$s),
                stamp AS (SELECT es_stamp(%1$s, 1) AS s FROM allowed),
                written AS (
                    UPDATE sync_record AS r
                    SET %5$s, version = %6$s, updated_at = es_stamp_time(stamp.s), change_seq = stamp.s,
                        client_updated_at = NULL, own_event = gen_random_uuid()
                    FROM allowed a, stamp
                    WHERE r.table_name = %1$s AND r.id = %2$s
                    RETURNING r.*, a.version AS replaced)""".formatted(table, id, required, inScope, change, version,
                after);
    }

    /**
     * The part of a write statement that inserts rows which did not exist when the batch locked its records: a CTE
     * named {@code new_rows}. A row another transaction inserted meanwhile is left as it is; the statement then reports
     * fewer new rows than it was given, and the caller runs the transaction again.
     */
    public static String insertRowsCte(SqlParams params, List<RowWrite> rows) {
        return """
                new_rows AS (
                    INSERT INTO sync_record AS r (table_name, id, data, created_at, updated_at, version, deleted,
                                                  change_seq, owner_id, client_updated_at, own_event)
                    SELECT w.table_name, w.id, w.data::jsonb, es_stamp_time(w.created_at), es_stamp_time(w.stamp),
                           w.version, w.deleted, w.stamp, w.owner_id, es_stamp_time(w.client_updated_at), w.own_event
                    FROM %s
                    ON CONFLICT (table_name, id) DO NOTHING
                    RETURNING 1)""".formatted(rowArrays(params, rows));
    }

    /**
     * The part of a write statement that writes new states of rows the batch locked: a CTE named {@code changed_rows}.
     */
    public static String updateRowsCte(SqlParams params, List<RowWrite> rows) {
        return """
                changed_rows AS (
                    UPDATE sync_record AS r
                    SET data = w.data::jsonb, deleted = w.deleted, version = w.version,
                        updated_at = es_stamp_time(w.stamp), change_seq = w.stamp,
                        created_at = COALESCE(es_stamp_time(w.created_at), r.created_at),
                        client_updated_at = es_stamp_time(w.client_updated_at), columns_purged = FALSE,
                        own_event = w.own_event
                    FROM %s
                    WHERE r.table_name = w.table_name AND r.id = w.id
                    RETURNING 1)""".formatted(rowArrays(params, rows));
    }

    /** {@code unnest(...) AS w(...)} over the rows the write path stores, bound to {@code params}. */
    private static String rowArrays(SqlParams params, List<RowWrite> rows) {
        return """
                unnest(%s::text[], %s::text[], %s::text[], %s::boolean[], %s::text[], %s::bigint[], %s::bigint[],
                       %s::text[], %s::bigint[], %s::uuid[])
                    AS w(table_name, id, data, deleted, version, stamp, created_at, owner_id, client_updated_at,
                         own_event)""".formatted(params.add(rows.stream().map(RowWrite::table).toArray(String[]::new)),
                params.add(rows.stream().map(RowWrite::id).toArray(String[]::new)),
                params.add(rows.stream().map(w -> w.data().toString()).toArray(String[]::new)),
                params.add(rows.stream().map(RowWrite::deleted).toArray(Boolean[]::new)),
                params.add(rows.stream().map(RowWrite::version).toArray(String[]::new)),
                params.add(rows.stream().map(RowWrite::stamp).toArray(Long[]::new)),
                params.add(rows.stream().map(RowWrite::createdAt).toArray(Long[]::new)),
                params.add(rows.stream().map(w -> w.owner().orElse(null)).toArray(String[]::new)),
                params.add(rows.stream()
                        .map(w -> w.clientUpdatedAt().map(Instant::toEpochMilli).orElse(null))
                        .toArray(Long[]::new)),
                params.add(rows.stream().map(RowWrite::ownEvent).toArray(UUID[]::new)));
    }

    /**
     * Draws consecutive stamps of each table (docs/adr/0003): after the transaction locked the records it changes,
     * never holding anything until commit.
     *
     * @param counts how many stamps each table needs
     * @return the first stamp of each table
     */
    public Uni<Map<String, Long>> drawStamps(SqlClient tx, Map<String, Integer> counts) {
        if (counts.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        List<String> tables = new ArrayList<>(counts.keySet());
        return tx.preparedQuery("""
                SELECT t.name, es_stamp(t.name, t.n) AS first FROM unnest($1::text[], $2::int[]) AS t(name, n)""")
                .execute(Tuple.of(tables.toArray(String[]::new),
                        tables.stream().map(counts::get).toArray(Integer[]::new)))
                .map(rows -> {
                    Map<String, Long> first = new HashMap<>();
                    for (Row row : rows) {
                        first.put(row.getString("name"), row.getLong("first"));
                    }
                    return first;
                });
    }

    /** The key of a record at a version. */
    public static String versionKey(String table, String id, String version) {
        return recordKey(table, id) + '\u0000' + version;
    }

    /** The key of a record in maps of several tables' records. */
    public static String recordKey(String table, String id) {
        return table + '\u0000' + id;
    }

    /**
     * Reads and locks the records a batch of the change stream touches, in (table, id) order like {@link #lockRecords}:
     * each one's version, the master position of the last central change applied to it, and the CUD event of this edge
     * that wrote the version, if one did.
     *
     * @param keys pairs of table key and record id
     * @return the states of the records that exist, by {@link #recordKey(String, String)}
     */
    Uni<Map<String, ReplicationPlan.State>> lockMasterStates(SqlClient tx, List<String[]> keys) {
        return tx.preparedQuery("""
                SELECT r.table_name, r.id, r.version, r.master_seq, r.deleted, r.own_event FROM sync_record r
                JOIN unnest($1::text[], $2::text[]) AS k(table_name, id) ON r.table_name = k.table_name AND r.id = k.id
                ORDER BY r.table_name, r.id FOR UPDATE OF r""")
                .execute(Tuple.of(keys.stream().map(k -> k[0]).toArray(String[]::new),
                        keys.stream().map(k -> k[1]).toArray(String[]::new)))
                .map(rows -> {
                    Map<String, ReplicationPlan.State> states = new HashMap<>();
                    for (Row row : rows) {
                        states.put(recordKey(row.getString(0), row.getString(1)),
                                new ReplicationPlan.State(row.getString(2), row.getLong(3), row.getBoolean(4),
                                        Optional.ofNullable(row.getUUID(5))));
                    }
                    return states;
                });
    }

    /**
     * Writes what a batch of the change stream decided, in one statement: the row states central accepted (no CUD
     * event: central knows them already; no {@code own_event}: the version came from central, even when central decided
     * it for a write of this edge), each with a stamp of its table, so pullers of this edge see them like any other
     * change, and with the owner central decided, whatever this edge had (a user who inserted the same id here before
     * the owner's row arrived loses it); the master positions of records that only confirmed; the columns the changes
     * add; and the versions kept as merge bases ({@link RecordVersions}).
     *
     * <p> A row's {@code createdAt} is the record's, set where it was created (none known: a row keeps its own, a new
     * row takes its stamp's time); its client time is when the change was made where it was made, so that
     * last-writer-wins compares like with like (none known: when this edge stamped it).
     *
     * @param plan the batch's plan, {@linkplain ReplicationPlan#stamped stamped}
     */
    Uni<Void> writeReplicated(SqlClient tx, ReplicationPlan plan) {
        List<ReplicationPlan.Write> writes = plan.writes();
        List<ReplicationPlan.Confirm> confirms = plan.confirms();
        if (writes.isEmpty() && confirms.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Map<String, String> added = new LinkedHashMap<>();
        plan.addedColumns().forEach((table, columns) -> added.put(table, catalog.columnsJson(columns)));
        List<ReplicationPlan.Write> inserts = writes.stream().filter(w -> !w.exists()).toList();
        List<ReplicationPlan.Write> updates = writes.stream().filter(ReplicationPlan.Write::exists).toList();
        SqlParams params = new SqlParams();
        String sql = "WITH " + String.join(",\n",
                """
                        inserted AS (
                            INSERT INTO sync_record AS r (table_name, id, data, created_at, updated_at, version, deleted,
                                                          change_seq, master_seq, owner_id, client_updated_at)
                            SELECT w.table_name, w.id, w.data::jsonb, COALESCE(w.created_at, es_stamp_time(w.stamp)),
                                   es_stamp_time(w.stamp), w.version, w.deleted, w.stamp, w.master_seq, w.owner_id,
                                   w.client_updated_at
                            FROM %s
                            ON CONFLICT (table_name, id) DO NOTHING
                            RETURNING 1)"""
                        .formatted(replicatedRows(params, plan, inserts)),
                """
                        updated AS (
                            UPDATE sync_record AS r
                            SET data = w.data::jsonb, created_at = COALESCE(w.created_at, r.created_at),
                                updated_at = es_stamp_time(w.stamp), version = w.version, deleted = w.deleted,
                                change_seq = w.stamp, master_seq = w.master_seq, owner_id = w.owner_id,
                                client_updated_at = w.client_updated_at, columns_purged = FALSE, own_event = NULL
                            FROM %s
                            WHERE r.table_name = w.table_name AND r.id = w.id
                            RETURNING 1)""".formatted(replicatedRows(params, plan, updates)),
                """
                        confirmed AS (
                            UPDATE sync_record r SET master_seq = c.master_seq
                            FROM unnest(%s::text[], %s::text[], %s::bigint[]) AS c(table_name, id, master_seq)
                            WHERE r.table_name = c.table_name AND r.id = c.id
                            RETURNING 1)""".formatted(
                        params.add(confirms.stream().map(ReplicationPlan.Confirm::table).toArray(String[]::new)),
                        params.add(confirms.stream().map(ReplicationPlan.Confirm::id).toArray(String[]::new)),
                        params.add(confirms.stream().map(ReplicationPlan.Confirm::masterSeq).toArray(Long[]::new))),
                TableCatalog.addColumnsCte(params, added),
                RecordVersions.appendCte(params, plan.kept()))
                + """

                        SELECT es_require((SELECT count(*) FROM inserted) = %s AND (SELECT count(*) FROM updated) = %s
                                          AND (SELECT count(*) FROM confirmed) = %s)""".formatted(
                        params.add((long) inserts.size()), params.add((long) updates.size()),
                        params.add((long) confirms.size()));
        return tx.preparedQuery(sql)
                .execute(Tuple.tuple(params.values()))
                .replaceWithVoid()
                .onFailure(Transactions::failedItsCheck)
                .transform(failure -> new ConcurrentInsertException(
                        "A record of the change stream was inserted concurrently (or a locked one vanished)"));
    }

    /** {@code unnest(...) AS w(...)} over the rows of replicated writes, bound to {@code params}. */
    private static String replicatedRows(SqlParams params, ReplicationPlan plan, List<ReplicationPlan.Write> writes) {
        return """
                unnest(%s::text[], %s::text[], %s::text[], %s::timestamptz[], %s::text[], %s::boolean[], %s::bigint[],
                       %s::bigint[], %s::text[], %s::timestamptz[])
                    AS w(table_name, id, data, created_at, version, deleted, stamp, master_seq, owner_id,
                         client_updated_at)""".formatted(
                params.add(writes.stream().map(ReplicationPlan.Write::table).toArray(String[]::new)),
                params.add(writes.stream().map(ReplicationPlan.Write::id).toArray(String[]::new)),
                params.add(writes.stream().map(w -> w.last().data().toString()).toArray(String[]::new)),
                params.add(writes.stream().map(w -> utc(w.createdAt())).toArray(OffsetDateTime[]::new)),
                params.add(writes.stream().map(w -> w.last().version()).toArray(String[]::new)),
                params.add(writes.stream().map(w -> w.last().deleted()).toArray(Boolean[]::new)),
                params.add(writes.stream().map(plan::stampOf).toArray(Long[]::new)),
                params.add(writes.stream().map(ReplicationPlan.Write::masterSeq).toArray(Long[]::new)),
                params.add(writes.stream().map(w -> w.last().owner().orElse(null)).toArray(String[]::new)),
                params.add(writes.stream().map(w -> utc(w.last().changeMadeAt())).toArray(OffsetDateTime[]::new)));
    }

    private static OffsetDateTime utc(Optional<Instant> at) {
        return at.map(instant -> instant.atOffset(ZoneOffset.UTC)).orElse(null);
    }

    /**
     * Confirms, in one statement of its own, the changes whose version their record already has (the echoes of this
     * edge's own writes) and that are newer than its last confirmation: each row is only marked, never rewritten, and
     * stays locked for as long as the statement runs.
     *
     * @param changes {table key, record id, version} and the master position of each change, by index
     * @return the {@link #recordKey} plus {@code '\u0000' + version} of every change it confirmed
     */
    public Uni<Set<String>> confirmEchoes(List<String[]> changes, List<Long> masterSeqs) {
        return pool.preparedQuery("""
                UPDATE sync_record r SET master_seq = c.seq
                FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS c(table_name, id, version, seq)
                WHERE r.table_name = c.table_name AND r.id = c.id AND r.version = c.version AND r.master_seq < c.seq
                RETURNING r.table_name, r.id, r.version""")
                .execute(Tuple.of(changes.stream().map(c -> c[0]).toArray(String[]::new),
                        changes.stream().map(c -> c[1]).toArray(String[]::new),
                        changes.stream().map(c -> c[2]).toArray(String[]::new),
                        masterSeqs.toArray(Long[]::new)))
                .map(rows -> {
                    Set<String> confirmed = new HashSet<>();
                    for (Row row : rows) {
                        confirmed.add(recordKey(row.getString(0), row.getString(1)) + '\u0000' + row.getString(2));
                    }
                    return confirmed;
                });
    }

    private String where(TableInfo table, RowScope scope, OptionalLong horizon, Optional<Expr> filter,
            boolean includeDeleted, SqlParams params) {
        StringBuilder where = new StringBuilder("r.table_name = ").append(params.add(table.name()));
        if (!(scope instanceof RowScope.Everyone)) {
            where.append(" AND ").append(scope.condition("r.owner_id", params));
        }
        if (horizon.isPresent()) {
            where.append(" AND r.updated_at <= es_stamp_time(").append(params.add(horizon.getAsLong())).append(')');
        }
        if (!includeDeleted) {
            where.append(" AND NOT r.deleted");
        }
        if (filter.isPresent()) {
            where.append(" AND ").append(new SqlTranslator(table.resolver(), params).where(filter.get()));
        }
        return where.toString();
    }

    private static Tuple tuple(SqlParams params) {
        List<Object> values = new ArrayList<>(params.size());
        for (Object value : params.values()) {
            values.add(value instanceof BigDecimal decimal ? Numeric.create(decimal) : value);
        }
        return Tuple.tuple(values);
    }

    private Optional<StoredRecord> firstRecord(RowSet<Row> rows) {
        Iterator<Row> iterator = rows.iterator();
        return iterator.hasNext() ? Optional.of(toRecord(iterator.next())) : Optional.empty();
    }

    StoredRecord toRecord(Row row) {
        return toStoredRecord(row, json);
    }

    /** Reads a row selected with {@link #SELECT_COLUMNS}. */
    public static StoredRecord toStoredRecord(Row row, ObjectMapper json) {
        ObjectNode data;
        try {
            data = (ObjectNode) json.readTree(row.getString("data"));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Corrupt record data", e);
        }
        Instant updatedAt = row.getOffsetDateTime("updated_at").toInstant();
        // A change's position is its stamp, of which updated_at is the exact millisecond (V122)
        return new StoredRecord(row.getString("id"), data, row.getOffsetDateTime("created_at").toInstant(), updatedAt,
                row.getString("version"), row.getBoolean("deleted"), updatedAt.toEpochMilli(),
                Optional.ofNullable(row.getString("owner_id")),
                Optional.ofNullable(row.getOffsetDateTime("client_updated_at")).map(OffsetDateTime::toInstant),
                Boolean.TRUE.equals(row.getBoolean("columns_purged")));
    }
}
