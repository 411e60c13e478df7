package io.edgesync.device;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.security.AccessDeniedException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Devices' durable state: their registration, operation queues and replica records (how far each has pulled).
 */
@ApplicationScoped
public class DeviceQueue {

    private static final String APPEND = """
            INSERT INTO device_operation (device_id, seq, operation_id, table_name, record_id, kind, item,
                                          base_version, client_updated_at, status, result, result_version, error,
                                          resolved_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8, $9, $10::text, $11::text::jsonb, $12, $13,
                    CASE WHEN $10::text = 'parked' THEN NULL ELSE clock_timestamp() END)""";

    /** Reads keep a device's last-seen time current to this granularity, so idle polling costs no writes. */
    private static final Duration TOUCH_INTERVAL = Duration.ofSeconds(30);

    private final Pool pool;
    private final ObjectMapper json;
    private final ConcurrentMap<String, Instant> lastTouched = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, ReplicaState> lastPulls = new ConcurrentHashMap<>();

    public DeviceQueue(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json;
    }

    /**
     * Registers the device on first sight (bound to {@code userId}), locks its row for the rest of the transaction (so
     * one device's operations are applied in its order) and hands out {@code count} queue positions; returns the first.
     * Fails with 403 when the device is bound to another user.
     */
    public Uni<Long> reservePositions(SqlClient tx, String deviceId, String protocol, String clientVersion,
            int count, Optional<String> userId) {
        return tx.preparedQuery("""
                INSERT INTO device (id, first_seen, last_seen, client_version, protocol, next_seq, user_id)
                VALUES ($1, clock_timestamp(), clock_timestamp(), $2, $3, $4, $5)
                ON CONFLICT (id) DO UPDATE
                SET last_seen = clock_timestamp(),
                    client_version = COALESCE(EXCLUDED.client_version, device.client_version),
                    protocol = EXCLUDED.protocol,
                    next_seq = device.next_seq + EXCLUDED.next_seq
                WHERE device.user_id IS NOT DISTINCT FROM EXCLUDED.user_id
                   OR (device.user_id IS NULL AND device.next_seq = 0)
                RETURNING next_seq""")
                .execute(Tuple.tuple(Arrays.asList(deviceId, clientVersion, protocol, (long) count,
                        userId.orElse(null))))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw deviceTaken(deviceId);
                    }
                    return rows.iterator().next().getLong(0) - count + 1;
                })
                .call(() -> bindUnusedDevice(tx, deviceId, userId));
    }

    /** A device seen before only anonymously and without operations is bound to its first authenticated user. */
    private Uni<Void> bindUnusedDevice(SqlClient tx, String deviceId, Optional<String> userId) {
        if (userId.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return tx.preparedQuery("UPDATE device SET user_id = $2 WHERE id = $1 AND user_id IS NULL")
                .execute(Tuple.of(deviceId, userId.get()))
                .replaceWithVoid();
    }

    /**
     * Records that a device was seen (at most every 30 seconds per device and user), outside any transaction, binding
     * it to its first user; fails with 403 when it is bound to another user.
     */
    public Uni<Void> touchDevice(String deviceId, String protocol, String clientVersion, Optional<String> userId) {
        Instant now = Instant.now();
        String key = deviceId + '\u0000' + userId.orElse("");
        Instant previous = lastTouched.get(key);
        if (previous != null && previous.plus(TOUCH_INTERVAL).isAfter(now)) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("""
                INSERT INTO device (id, first_seen, last_seen, client_version, protocol, user_id)
                VALUES ($1, clock_timestamp(), clock_timestamp(), $2, $3, $4)
                ON CONFLICT (id) DO UPDATE
                SET last_seen = clock_timestamp(),
                    client_version = COALESCE(EXCLUDED.client_version, device.client_version),
                    protocol = EXCLUDED.protocol,
                    user_id = COALESCE(device.user_id, EXCLUDED.user_id)
                WHERE device.user_id IS NOT DISTINCT FROM EXCLUDED.user_id
                   OR (device.user_id IS NULL AND device.next_seq = 0)
                RETURNING id""")
                .execute(Tuple.of(deviceId, clientVersion, protocol, userId.orElse(null)))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw deviceTaken(deviceId);
                    }
                    lastTouched.put(key, now);
                    return null;
                });
    }

    private static AccessDeniedException deviceTaken(String deviceId) {
        return AccessDeniedException.forbidden("The device " + deviceId + " belongs to another user");
    }

    /** Appends an operation with its outcome to the device's queue. */
    public Uni<Void> appendOperation(SqlClient tx, QueuedOperation operation) {
        return appendOperations(tx, List.of(operation));
    }

    /** Appends several operations to their devices' queues in one round trip (a pipelined batch of inserts). */
    public Uni<Void> appendOperations(SqlClient tx, List<QueuedOperation> operations) {
        if (operations.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return tx.preparedQuery(APPEND)
                .executeBatch(operations.stream().map(DeviceQueue::appendParams).toList())
                .replaceWithVoid();
    }

    private static Tuple appendParams(QueuedOperation operation) {
        List<Object> params = new ArrayList<>();
        params.add(operation.deviceId());
        params.add(operation.seq());
        params.add(operation.operationId());
        params.add(operation.table());
        params.add(operation.recordId());
        params.add(operation.kind());
        params.add(operation.item().map(ObjectNode::toString).orElse(null));
        params.add(operation.baseVersion().orElse(null));
        params.add(operation.clientUpdatedAt().map(t -> OffsetDateTime.ofInstant(t, ZoneOffset.UTC)).orElse(null));
        params.add(operation.status());
        params.add(operation.result().toString());
        params.add(operation.resultVersion().orElse(null));
        params.add(operation.error().orElse(null));
        return Tuple.tuple(params);
    }

    /** The stored answers of operations a device already sent, by operation id (idempotent retries). */
    public Uni<Map<String, ObjectNode>> findResults(SqlClient tx, String deviceId, List<String> operationIds) {
        return tx.preparedQuery("""
                SELECT operation_id, result::text FROM device_operation
                WHERE device_id = $1 AND operation_id = ANY($2)""")
                .execute(Tuple.of(deviceId, operationIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, ObjectNode> results = new HashMap<>();
                    for (Row row : rows) {
                        results.put(row.getString(0), parse(row.getString(1)));
                    }
                    return results;
                });
    }

    /** Tables on which the device has parked operations. */
    public Uni<List<String>> tablesWithParkedOperations(SqlClient tx, String deviceId) {
        return tx.preparedQuery("""
                SELECT DISTINCT table_name FROM device_operation WHERE device_id = $1 AND status = 'parked'""")
                .execute(Tuple.of(deviceId))
                .map(rows -> {
                    List<String> tables = new ArrayList<>();
                    rows.forEach(row -> tables.add(row.getString(0)));
                    return tables;
                });
    }

    /** What a replica record says. */
    record ReplicaState(Instant watermark, long changeSeq, Instant written) {
    }

    /**
     * Records how far a device has pulled a table for one query: its watermark (ZUMO) or change position (native).
     * Unchanged positions are written at most every 30 seconds, so idle polling costs no writes.
     */
    public Uni<Void> recordPull(String deviceId, String table, String queryId, Instant watermark, Long changeSeq,
            int rows) {
        String key = deviceId + '\u0000' + table + '\u0000' + queryId;
        Instant now = Instant.now();
        ReplicaState previous = lastPulls.get(key);
        long seq = changeSeq == null ? -1 : changeSeq;
        if (rows == 0 && previous != null && previous.changeSeq() == seq
                && Objects.equals(previous.watermark(), watermark)
                && previous.written().plus(TOUCH_INTERVAL).isAfter(now)) {
            return Uni.createFrom().voidItem();
        }
        lastPulls.put(key, new ReplicaState(watermark, seq, now));
        List<Object> params = new ArrayList<>();
        params.add(deviceId);
        params.add(table);
        params.add(queryId);
        params.add(watermark == null ? null : OffsetDateTime.ofInstant(watermark, ZoneOffset.UTC));
        params.add(changeSeq);
        params.add((long) rows);
        return pool.preparedQuery("""
                INSERT INTO device_replica (device_id, table_name, query_id, watermark, change_seq, pulled_rows,
                                            first_pull, last_pull)
                VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp(), clock_timestamp())
                ON CONFLICT (device_id, table_name, query_id) DO UPDATE
                SET watermark = GREATEST(device_replica.watermark, EXCLUDED.watermark),
                    change_seq = GREATEST(device_replica.change_seq, EXCLUDED.change_seq),
                    pulled_rows = device_replica.pulled_rows + EXCLUDED.pulled_rows,
                    last_pull = clock_timestamp()""")
                .execute(Tuple.tuple(params))
                .replaceWithVoid();
    }

    /** Forgets cached knowledge of a device (after an administrator removed it). */
    public void forgetDevice(String deviceId) {
        lastTouched.keySet().removeIf(key -> key.startsWith(deviceId + '\u0000'));
        lastPulls.keySet().removeIf(key -> key.startsWith(deviceId + '\u0000'));
    }

    private ObjectNode parse(String text) {
        try {
            return (ObjectNode) json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Corrupt stored operation result", e);
        }
    }
}
