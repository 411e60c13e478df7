package io.edgesync.admin;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgesync.device.QueuedOperation;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * What the admin API reads and changes of devices, their queues and replica records, and the conflict log. Reads use
 * the pool; writes take the caller's transaction.
 */
@ApplicationScoped
public class AdminRepository {

    private static final String OPERATION_COLUMNS = """
            seq, operation_id, table_name, record_id, kind, item::text, base_version, client_updated_at, status,
            result::text, result_version, error, received_at, resolved_at""";

    private final Pool pool;
    private final ObjectMapper json;

    public AdminRepository(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json;
    }

    /** A device's own row, without its queue and replicas. */
    record DeviceRow(String id, String protocol, String clientVersion, String userId, Instant firstSeen,
            Instant lastSeen) {

        AdminDevice withState(QueueDepth queue, List<AdminReplica> replicas) {
            return new AdminDevice(id, protocol, clientVersion, userId, firstSeen, lastSeen, queue, replicas);
        }
    }

    /**
     * Up to {@code fetch} devices by id, after {@code afterId} when given, only those whose id or user contains
     * {@code search} (case-insensitively) when given, and only those with parked operations when {@code parkedOnly}.
     */
    public Uni<List<DeviceRow>> findDevices(Optional<String> afterId, Optional<String> search, boolean parkedOnly,
            int fetch) {
        List<Object> params = new ArrayList<>(List.of(fetch));
        List<String> conditions = new ArrayList<>();
        afterId.ifPresent(id -> {
            params.add(id);
            conditions.add("id > $" + params.size());
        });
        search.ifPresent(text -> {
            params.add(text.toLowerCase(java.util.Locale.ROOT));
            conditions.add("(strpos(lower(id), $%1$d) > 0 OR strpos(lower(user_id), $%1$d) > 0)"
                    .formatted(params.size()));
        });
        if (parkedOnly) {
            // (the partial index device_operation_parked holds exactly these operations)
            conditions.add("EXISTS (SELECT 1 FROM device_operation o WHERE o.device_id = device.id"
                    + " AND o.status = 'parked')");
        }
        String sql = """
                SELECT id, protocol, client_version, user_id, first_seen, last_seen FROM device
                %s
                ORDER BY id
                LIMIT $1""".formatted(where(conditions));
        return pool.preparedQuery(sql)
                .execute(Tuple.tuple(params))
                .map(rows -> map(rows, AdminRepository::deviceRow));
    }

    public Uni<Optional<DeviceRow>> findDevice(String deviceId) {
        return pool.preparedQuery("""
                SELECT id, protocol, client_version, user_id, first_seen, last_seen FROM device WHERE id = $1""")
                .execute(Tuple.of(deviceId))
                .map(rows -> map(rows, AdminRepository::deviceRow).stream().findFirst());
    }

    /** Queue sizes of the given devices; devices without operations are left out. */
    public Uni<Map<String, QueueDepth>> countOperations(Collection<String> deviceIds) {
        return pool.preparedQuery("""
                SELECT device_id, status, count(*) FROM device_operation
                WHERE device_id = ANY($1)
                GROUP BY device_id, status
                ORDER BY device_id, status""")
                .execute(Tuple.of(deviceIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
                    for (Row row : rows) {
                        counts.computeIfAbsent(row.getString(0), id -> new LinkedHashMap<>())
                                .put(row.getString(1), row.getLong(2));
                    }
                    Map<String, QueueDepth> depths = new LinkedHashMap<>();
                    counts.forEach((id, byStatus) -> depths.put(id, new QueueDepth(
                            byStatus.getOrDefault(QueuedOperation.PARKED, 0L),
                            byStatus.values().stream().mapToLong(Long::longValue).sum(),
                            Map.copyOf(byStatus))));
                    return depths;
                });
    }

    /** Replica records of the given devices, by table and query. */
    public Uni<Map<String, List<AdminReplica>>> findReplicas(Collection<String> deviceIds) {
        return pool.preparedQuery("""
                SELECT device_id, table_name, query_id, watermark, change_seq, pulled_rows, first_pull, last_pull
                FROM device_replica
                WHERE device_id = ANY($1)
                ORDER BY device_id, table_name, query_id""")
                .execute(Tuple.of(deviceIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, List<AdminReplica>> replicas = new LinkedHashMap<>();
                    for (Row row : rows) {
                        replicas.computeIfAbsent(row.getString(0), id -> new ArrayList<>())
                                .add(new AdminReplica(row.getString(1), row.getString(2), instant(row, 3),
                                        row.getLong(4), row.getLong(5), instant(row, 6), instant(row, 7)));
                    }
                    return replicas;
                });
    }

    /** Up to {@code fetch} operations of a device in its order, after position {@code afterSeq}, of some statuses. */
    public Uni<List<AdminOperation>> findOperations(String deviceId, List<String> statuses, long afterSeq,
            int fetch) {
        List<Object> params = new ArrayList<>(List.of(deviceId, afterSeq, fetch));
        String statusFilter = "";
        if (!statuses.isEmpty()) {
            params.add(statuses.toArray(String[]::new));
            statusFilter = "AND status = ANY($4)";
        }
        return pool.preparedQuery("""
                SELECT %s FROM device_operation
                WHERE device_id = $1 AND seq > $2 %s
                ORDER BY seq
                LIMIT $3""".formatted(OPERATION_COLUMNS, statusFilter))
                .execute(Tuple.tuple(params))
                .map(rows -> map(rows, this::operation));
    }

    public Uni<Optional<AdminOperation>> findOperation(String deviceId, long seq) {
        return pool
                .preparedQuery(
                        "SELECT " + OPERATION_COLUMNS + " FROM device_operation WHERE device_id = $1 AND seq = $2")
                .execute(Tuple.of(deviceId, seq))
                .map(rows -> map(rows, this::operation).stream().findFirst());
    }

    /** What the conflict log listing is narrowed to. */
    record ConflictFilter(Optional<String> table, Optional<String> deviceId, Optional<String> source,
            Optional<String> policy, Optional<Instant> since, Optional<Instant> until, Optional<Long> beforeId) {
    }

    /** Up to {@code fetch} conflict log entries, newest first. */
    public Uni<List<AdminConflict>> findConflicts(ConflictFilter filter, int fetch) {
        List<Object> params = new ArrayList<>();
        List<String> conditions = new ArrayList<>();
        params.add(fetch);
        filter.table().ifPresent(table -> {
            params.add(table);
            conditions.add("table_name = $" + params.size());
        });
        filter.deviceId().ifPresent(deviceId -> {
            params.add(deviceId);
            conditions.add("device_id = $" + params.size());
        });
        filter.source().ifPresent(source -> {
            params.add(source);
            conditions.add("source = $" + params.size());
        });
        filter.policy().ifPresent(policy -> {
            params.add(policy);
            conditions.add("policy = $" + params.size());
        });
        filter.since().ifPresent(since -> {
            params.add(OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
            conditions.add("detected_at >= $" + params.size());
        });
        filter.until().ifPresent(until -> {
            params.add(OffsetDateTime.ofInstant(until, ZoneOffset.UTC));
            conditions.add("detected_at < $" + params.size());
        });
        filter.beforeId().ifPresent(beforeId -> {
            // Keyset on (detected_at, id), so the (table_name, detected_at) and (device_id, detected_at) indexes serve
            params.add(beforeId);
            conditions.add("(detected_at, id) < (SELECT c.detected_at, c.id FROM sync_conflict c WHERE c.id = $"
                    + params.size() + ")");
        });
        return pool.preparedQuery("""
                SELECT id, detected_at, source, table_name, record_id, device_id, operation_id, policy, decision,
                       base_version, client_item::text, server_item::text, result_item::text
                FROM sync_conflict
                %s
                ORDER BY detected_at DESC, id DESC
                LIMIT $1""".formatted(where(conditions)))
                .execute(Tuple.tuple(params))
                .map(rows -> map(rows, row -> new AdminConflict(row.getLong(0), instant(row, 1), row.getString(2),
                        row.getString(3), row.getString(4), row.getString(5), row.getString(6), row.getString(7),
                        row.getString(8), row.getString(9), jsonOrNull(row.getString(10)),
                        jsonOrNull(row.getString(11)), jsonOrNull(row.getString(12)))));
    }

    /** Gauge values: parked operations across devices, and devices seen since {@code activeSince}. */
    record QueueGauges(long parked, long activeDevices) {
    }

    public Uni<QueueGauges> countParkedAndActive(Instant activeSince) {
        // The parked count reads the partial index device_operation_parked only
        return pool.preparedQuery("""
                SELECT (SELECT count(*) FROM device_operation WHERE status = 'parked'),
                       (SELECT count(*) FROM device WHERE last_seen >= $1)""")
                .execute(Tuple.of(OffsetDateTime.ofInstant(activeSince, ZoneOffset.UTC)))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new QueueGauges(row.getLong(0), row.getLong(1));
                });
    }

    /** A persisted table's rows: live ones, tombstones, the newest change, how far its tombstones were purged. */
    record TableRow(String name, String displayName, boolean declared, boolean softDelete, long rows,
            long tombstones, Instant lastChange) {
    }

    public Uni<List<TableRow>> findTables() {
        return pool
                .preparedQuery(
                        """
                                SELECT t.name, t.display_name, t.declared, t.soft_delete, s.live, s.tombstones, s.last_change
                                FROM sync_table t
                                CROSS JOIN LATERAL (
                                    SELECT count(*) FILTER (WHERE NOT r.deleted) AS live, count(*) FILTER (WHERE r.deleted) AS tombstones,
                                           max(r.updated_at) AS last_change
                                    FROM sync_record r WHERE r.table_name = t.name) s
                                ORDER BY t.name""")
                .execute()
                .map(rows -> map(rows, row -> new TableRow(row.getString(0), row.getString(1), row.getBoolean(2),
                        row.getBoolean(3), row.getLong(4), row.getLong(5), instant(row, 6))));
    }

    /**
     * What the gateway keeps of one record: its row in the cache (if any), the master's row where the central service
     * shares the database, and whether any queue entry or outbox row ever named it.
     */
    record RecordFacts(Optional<ExplainedRecord> edge, Optional<ExplainedRecord> central, long changeSeq,
            boolean everWritten) {
    }

    /** A record's state in one store. */
    record ExplainedRecord(String version, Instant updatedAt, boolean deleted, String ownerId,
            boolean columnsPurged) {
    }

    public Uni<RecordFacts> findRecordFacts(String table, String id, String deviceId) {
        return pool.preparedQuery("""
                SELECT r.version, r.updated_at, r.deleted, r.owner_id, r.columns_purged, es_stamp_of(r.updated_at),
                       c.version, c.updated_at, c.deleted,
                       EXISTS (SELECT 1 FROM outbox_event e WHERE e.table_name = $1 AND e.record_id = $2)
                           OR EXISTS (SELECT 1 FROM device_operation o
                                      WHERE o.device_id = $3 AND o.table_name = $1 AND o.record_id = $2)
                FROM (SELECT 1) one
                LEFT JOIN sync_record r ON r.table_name = $1 AND r.id = $2
                LEFT JOIN central_record c ON c.table_name = $1 AND c.id = $2""")
                .execute(Tuple.of(table, id, deviceId))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    Optional<ExplainedRecord> edge = Optional.ofNullable(row.getString(0))
                            .map(version -> new ExplainedRecord(version, instant(row, 1), row.getBoolean(2),
                                    row.getString(3), row.getBoolean(4)));
                    Optional<ExplainedRecord> central = Optional.ofNullable(row.getString(6))
                            .map(version -> new ExplainedRecord(version, instant(row, 7), row.getBoolean(8), null,
                                    false));
                    Long changeSeq = row.getLong(5);
                    return new RecordFacts(edge, central, changeSeq == null ? 0 : changeSeq, row.getBoolean(9));
                });
    }

    /** A device's parked operations on one record, in its order. */
    public Uni<List<AdminOperation>> findParkedOnRecord(String deviceId, String table, String id) {
        return pool.preparedQuery("SELECT " + OPERATION_COLUMNS + """
                 FROM device_operation
                WHERE device_id = $1 AND table_name = $2 AND record_id = $3 AND status = 'parked'
                ORDER BY seq""")
                .execute(Tuple.of(deviceId, table, id))
                .map(rows -> map(rows, this::operation));
    }

    private static String where(List<String> conditions) {
        return conditions.isEmpty() ? "" : "WHERE " + String.join(" AND ", conditions);
    }

    private static DeviceRow deviceRow(Row row) {
        return new DeviceRow(row.getString(0), row.getString(1), row.getString(2), row.getString(3), instant(row, 4),
                instant(row, 5));
    }

    private AdminOperation operation(Row row) {
        return new AdminOperation(row.getLong(0), row.getString(1), row.getString(2), row.getString(3),
                row.getString(4), jsonOrNull(row.getString(5)), row.getString(6), instant(row, 7), row.getString(8),
                jsonOrNull(row.getString(9)), row.getString(10), row.getString(11), instant(row, 12),
                instant(row, 13));
    }

    private static <T> List<T> map(RowSet<Row> rows, Function<Row, T> mapper) {
        List<T> mapped = new ArrayList<>(rows.size());
        for (Row row : rows) {
            mapped.add(mapper.apply(row));
        }
        return mapped;
    }

    private static Instant instant(Row row, int column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }

    private JsonNode jsonOrNull(String text) {
        if (text == null) {
            return null;
        }
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Corrupt JSON column", e);
        }
    }
}
