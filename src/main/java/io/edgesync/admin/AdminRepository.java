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

    /** Up to {@code fetch} devices by id, after {@code afterId} when given. */
    public Uni<List<DeviceRow>> findDevices(Optional<String> afterId, int fetch) {
        String sql = """
                SELECT id, protocol, client_version, user_id, first_seen, last_seen FROM device
                %s
                ORDER BY id
                LIMIT $1""".formatted(afterId.isPresent() ? "WHERE id > $2" : "");
        Tuple params = afterId.isPresent() ? Tuple.of(fetch, afterId.get()) : Tuple.of(fetch);
        return pool.preparedQuery(sql)
                .execute(params)
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
            Optional<Long> beforeId) {
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
        filter.beforeId().ifPresent(beforeId -> {
            // Keyset on (detected_at, id), so the (table_name, detected_at) and (device_id, detected_at) indexes serve
            params.add(beforeId);
            conditions.add("(detected_at, id) < (SELECT c.detected_at, c.id FROM sync_conflict c WHERE c.id = $"
                    + params.size() + ")");
        });
        String where = conditions.isEmpty() ? "" : "WHERE " + String.join(" AND ", conditions);
        return pool.preparedQuery("""
                SELECT id, detected_at, source, table_name, record_id, device_id, operation_id, policy, decision,
                       base_version, client_item::text, server_item::text, result_item::text
                FROM sync_conflict
                %s
                ORDER BY detected_at DESC, id DESC
                LIMIT $1""".formatted(where))
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
