package io.edgesync.device;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.function.IntFunction;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.common.DomainException;
import io.edgesync.odata.SqlParams;
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

    /**
     * Registers a device on first sight, binds it to its first authenticated user (also a device used so far only
     * anonymously and without operations), and hands out queue positions; a device bound to another user is left as it
     * is and no row comes back. The row stays locked for the rest of the transaction, so one device's operations are
     * applied in its order.
     *
     * @param id the device id
     * @param clientVersion what the client says it is
     * @param protocol how it talks
     * @param user the caller's subject
     * @param positions how many queue positions to hand out (the last one comes back as {@code next_seq})
     */
    public static String register(String id, String clientVersion, String protocol, String user, String positions) {
        return """
                INSERT INTO device (id, first_seen, last_seen, client_version, protocol, next_seq, user_id)
                VALUES (%s, clock_timestamp(), clock_timestamp(), %s, %s, %s, %s)
                ON CONFLICT (id) DO UPDATE
                SET last_seen = clock_timestamp(),
                    client_version = COALESCE(EXCLUDED.client_version, device.client_version),
                    protocol = EXCLUDED.protocol,
                    user_id = COALESCE(device.user_id, EXCLUDED.user_id),
                    next_seq = device.next_seq + EXCLUDED.next_seq
                WHERE device.user_id IS NOT DISTINCT FROM EXCLUDED.user_id
                   OR (device.user_id IS NULL AND device.next_seq = 0)
                RETURNING next_seq""".formatted(id, clientVersion, protocol, positions, user);
    }

    private static final String REGISTER = register("$1", "$2", "$3", "$4", "$5::bigint");

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
     * Registers the device on first sight, binds it to {@code userId} when it is new or was used only anonymously and
     * without operations, and locks its row for the rest of the transaction (so one device's operations are applied in
     * its order), in one statement. Fails with 403 when the device is bound to another user.
     *
     * @return the last queue position the device has used (0 for a new device): the transaction holding the lock hands
     * out the ones after it and records them with {@link #usePositions}
     */
    public Uni<Long> lockDevice(SqlClient tx, String deviceId, String protocol, Optional<String> clientVersion,
            Optional<String> userId) {
        return tx.preparedQuery(REGISTER)
                .execute(Tuple.of(deviceId, clientVersion.orElse(null), protocol, userId.orElse(null), 0L))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw deviceTaken(deviceId);
                    }
                    return rows.iterator().next().getLong(0);
                });
    }

    /** What a locked device's queue already says about a batch: earlier answers by operation id, blocked tables. */
    public record QueueState(Map<String, ObjectNode> knownResults, Set<String> tablesWithParkedOperations) {
    }

    /**
     * The stored answers of operations the device sent before (a retried batch), and the tables on which it has parked
     * operations; two statements sent together. Call after {@link #lockDevice}, so that a concurrent batch of the same
     * device has committed.
     */
    public Uni<QueueState> readQueueState(SqlClient tx, String deviceId, List<String> operationIds) {
        Uni<Map<String, ObjectNode>> known = operationIds.isEmpty()
                ? Uni.createFrom().item(Map.of())
                : findResults(tx, deviceId, operationIds);
        Uni<List<String>> parked = tablesWithParkedOperations(tx, deviceId);
        return Uni.combine()
                .all()
                .unis(known, parked)
                .asTuple()
                .map(both -> new QueueState(both.getItem1(), new HashSet<>(both.getItem2())));
    }

    /** A parked operation as the device sent it, and the user its device is bound to. */
    public record ParkedOperation(String operationId, String table, String kind, String recordId,
            Optional<ObjectNode> item, Optional<String> baseVersion, Optional<Instant> clientUpdatedAt,
            Optional<String> userId, Optional<Long> earlierParkedOnTable) {
    }

    /**
     * Locks a device and one of its parked operations, with the first operation parked before it on the same table; 404
     * when the device has no parked operation there.
     */
    public Uni<ParkedOperation> lockParked(SqlClient tx, String deviceId, long seq) {
        return tx.preparedQuery("""
                SELECT o.operation_id, o.table_name, o.kind, o.record_id, o.item::text AS item, o.base_version,
                       o.client_updated_at, d.user_id,
                       (SELECT min(e.seq) FROM device_operation e
                        WHERE e.device_id = d.id AND e.table_name = o.table_name AND e.status = 'parked'
                          AND e.seq < o.seq) AS earlier
                FROM device d JOIN device_operation o ON o.device_id = d.id
                WHERE d.id = $1 AND o.seq = $2 AND o.status = 'parked'
                FOR UPDATE OF d, o""")
                .execute(Tuple.of(deviceId, seq))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw DomainException.notFound("Device " + deviceId + " has no parked operation " + seq);
                    }
                    Row row = rows.iterator().next();
                    Optional<ObjectNode> item = Optional.ofNullable(row.getString("item"))
                            .map(this::parse);
                    return new ParkedOperation(row.getString("operation_id"), row.getString("table_name"),
                            row.getString("kind"), row.getString("record_id"), item,
                            Optional.ofNullable(row.getString("base_version")),
                            Optional.ofNullable(row.getOffsetDateTime("client_updated_at"))
                                    .map(OffsetDateTime::toInstant),
                            Optional.ofNullable(row.getString("user_id")),
                            Optional.ofNullable(row.getLong("earlier")));
                });
    }

    /**
     * Records that a device locked by {@link #lockDevice} has used its queue positions up to {@code lastUsed}; needs no
     * answer before the transaction's next statement (it is sent together with it).
     */
    public Uni<Void> usePositions(SqlClient tx, String deviceId, long lastUsed) {
        return tx.preparedQuery("UPDATE device SET next_seq = $2 WHERE id = $1 AND next_seq < $2")
                .execute(Tuple.of(deviceId, lastUsed))
                .map(rows -> {
                    if (rows.rowCount() != 1) {
                        throw new IllegalStateException("The queue positions of device " + deviceId
                                + " moved while its row was locked");
                    }
                    return null;
                });
    }

    /**
     * The part of a single write's statement that appends the applied write {@code written} holds to the queue of the
     * device bound as {@code device}, at the position {@code deviceRow} drew (none without a device): a CTE named
     * {@code queued}, with the {@code answer} a replay of the operation gets.
     */
    public static String appendWrittenCte(String written, String deviceRow, String kind, String base, String device,
            String operationId, String item, String answer) {
        return """
                queued AS (
                    INSERT INTO device_operation (device_id, seq, operation_id, table_name, record_id, kind, item,
                                                  base_version, status, result, result_version, resolved_at)
                    SELECT %3$s, d.next_seq, %4$s, w.table_name, w.id, %1$s, %5$s::text::jsonb, %2$s, 'applied',
                           %6$s::text::jsonb, w.version, clock_timestamp()
                    FROM %7$s w, %8$s d
                    WHERE %3$s::text IS NOT NULL)""".formatted(kind, base, device, operationId, item, answer, written,
                deviceRow);
    }

    /**
     * The part of a write statement that appends entries to queues: a CTE named {@code queued} over arrays, bound to
     * {@code params}. Nothing is appended for an empty list.
     */
    public static String appendCte(SqlParams params, List<QueuedOperation> entries) {
        return """
                queued AS (
                    INSERT INTO device_operation (device_id, seq, operation_id, table_name, record_id, kind, item,
                                                  base_version, client_updated_at, status, result, result_version,
                                                  error, resolved_at)
                    SELECT q.device_id, q.seq, q.operation_id, q.table_name, q.record_id, q.kind, q.item::jsonb,
                           q.base_version, es_stamp_time(q.client_updated_at), q.status, q.result::jsonb,
                           q.result_version, q.error,
                           CASE WHEN q.status = 'parked' THEN NULL ELSE clock_timestamp() END
                    FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                                %s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])
                         AS q(device_id, seq, operation_id, table_name, record_id, kind, item, base_version,
                              client_updated_at, status, result, result_version, error))"""
                .formatted(entryArrays(params, entries).toArray());
    }

    /**
     * The part of a write statement that records a new outcome of entries already queued (an administrator's retry of a
     * parked operation): a CTE named {@code requeued}.
     */
    public static String updateCte(SqlParams params, List<QueuedOperation> entries) {
        return """
                requeued AS (
                    UPDATE device_operation d
                    SET status = q.status, result = q.result::jsonb, result_version = q.result_version, error = q.error,
                        resolved_at = CASE WHEN q.status = 'parked' THEN NULL ELSE clock_timestamp() END
                    FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                                %s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])
                         AS q(device_id, seq, operation_id, table_name, record_id, kind, item, base_version,
                              client_updated_at, status, result, result_version, error)
                    WHERE d.device_id = q.device_id AND d.seq = q.seq)"""
                .formatted(entryArrays(params, entries).toArray());
    }

    private static List<String> entryArrays(SqlParams params, List<QueuedOperation> entries) {
        return List.of(
                params.add(column(entries, QueuedOperation::deviceId, String[]::new)),
                params.add(column(entries, QueuedOperation::seq, Long[]::new)),
                params.add(column(entries, QueuedOperation::operationId, String[]::new)),
                params.add(column(entries, QueuedOperation::table, String[]::new)),
                params.add(column(entries, QueuedOperation::recordId, String[]::new)),
                params.add(column(entries, QueuedOperation::kind, String[]::new)),
                params.add(column(entries, e -> e.item().map(ObjectNode::toString).orElse(null), String[]::new)),
                params.add(column(entries, e -> e.baseVersion().orElse(null), String[]::new)),
                params.add(column(entries, e -> e.clientUpdatedAt().map(Instant::toEpochMilli).orElse(null),
                        Long[]::new)),
                params.add(column(entries, QueuedOperation::status, String[]::new)),
                params.add(column(entries, e -> e.result().toString(), String[]::new)),
                params.add(column(entries, e -> e.resultVersion().orElse(null), String[]::new)),
                params.add(column(entries, e -> e.error().orElse(null), String[]::new)));
    }

    private static <T> T[] column(List<QueuedOperation> entries, Function<QueuedOperation, T> value,
            IntFunction<T[]> array) {
        return entries.stream().map(value).toArray(array);
    }

    /**
     * Records that a device was seen (at most every 30 seconds per device and user), outside any transaction, binding
     * it to its first user; fails with 403 when it is bound to another user.
     */
    public Uni<Void> touchDevice(String deviceId, String protocol, String clientVersion, Optional<String> userId) {
        Instant previous = lastTouched.get(touchKey(deviceId, userId));
        if (previous != null && previous.plus(TOUCH_INTERVAL).isAfter(Instant.now())) {
            return Uni.createFrom().voidItem();
        }
        return registerDevice(deviceId, protocol, clientVersion, userId);
    }

    /**
     * Registers the device, or records that it is alive and its client version, now (an explicit registration):
     * {@link #touchDevice} without its interval. Fails with 403 when the device is bound to another user.
     */
    public Uni<Void> registerDevice(String deviceId, String protocol, String clientVersion, Optional<String> userId) {
        Instant now = Instant.now();
        String key = touchKey(deviceId, userId);
        return pool.preparedQuery(REGISTER)
                .execute(Tuple.of(deviceId, clientVersion, protocol, userId.orElse(null), 0L))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw deviceTaken(deviceId);
                    }
                    lastTouched.put(key, now);
                    return null;
                });
    }

    private static String touchKey(String deviceId, Optional<String> userId) {
        return deviceId + '\u0000' + userId.orElse("");
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
        // One probe of the (device, operation id) index per id. Written as "device and any of these ids", the planner
        // may scan the device's whole queue instead when its statistics lag behind a device's burst of operations.
        return tx.preparedQuery("""
                SELECT k.operation_id, o.result::text
                FROM unnest($2::text[]) AS k(operation_id)
                CROSS JOIN LATERAL (
                    SELECT d.result FROM device_operation d
                    WHERE d.device_id = $1 AND d.operation_id = k.operation_id
                    LIMIT 1) o""")
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

    /**
     * What a replica record says, and the rows pulled since it was written at that position (counted with its next
     * write).
     */
    record ReplicaState(Instant watermark, long changeSeq, Instant written, long unwrittenRows) {
    }

    /**
     * Records how far a device has pulled a table for one query: its watermark (ZUMO) or change position (native). A
     * position that moved is written at once; an unchanged one at most every 30 seconds, so polling costs no writes,
     * and the rows of the pulls in between (an up-to-date JS client receives the row at its watermark again with every
     * pull) are added to {@code pulled_rows} by that next write.
     */
    public Uni<Void> recordPull(String deviceId, String table, String queryId, Instant watermark, Long changeSeq,
            int rows) {
        String key = deviceId + '\u0000' + table + '\u0000' + queryId;
        Instant now = Instant.now();
        long seq = changeSeq == null ? -1 : changeSeq;
        long[] toWrite = {-1};
        lastPulls.compute(key, (k, previous) -> {
            if (previous != null && previous.changeSeq() == seq && Objects.equals(previous.watermark(), watermark)
                    && previous.written().plus(TOUCH_INTERVAL).isAfter(now)) {
                return new ReplicaState(watermark, seq, previous.written(), previous.unwrittenRows() + rows);
            }
            toWrite[0] = rows + (previous == null ? 0 : previous.unwrittenRows());
            return new ReplicaState(watermark, seq, now, 0);
        });
        if (toWrite[0] < 0) {
            return Uni.createFrom().voidItem();
        }
        List<Object> params = new ArrayList<>();
        params.add(deviceId);
        params.add(table);
        params.add(queryId);
        params.add(watermark == null ? null : OffsetDateTime.ofInstant(watermark, ZoneOffset.UTC));
        params.add(changeSeq);
        params.add(toWrite[0]);
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

    /**
     * Marks a parked operation discarded, in the queue and in the answer a re-sent operation replays (the device learns
     * it was given up on, not that it is still parked); false when the device has no parked operation at that position.
     */
    public Uni<Boolean> discardParked(SqlClient tx, String deviceId, long seq) {
        return tx.preparedQuery("""
                UPDATE device_operation
                SET status = $3, resolved_at = clock_timestamp(),
                    result = result || jsonb_build_object('status', $5::text)
                WHERE device_id = $1 AND seq = $2 AND status = $4""")
                .execute(Tuple.of(deviceId, seq, QueuedOperation.DISCARDED, QueuedOperation.PARKED,
                        QueuedOperation.DISCARDED))
                .map(rows -> rows.rowCount() > 0);
    }

    /**
     * Locks a known device's row for the rest of the transaction, so its pushes wait for us and we for them; false when
     * the device is unknown.
     */
    public Uni<Boolean> lockKnownDevice(SqlClient tx, String deviceId) {
        return tx.preparedQuery("SELECT id FROM device WHERE id = $1 FOR UPDATE")
                .execute(Tuple.of(deviceId))
                .map(rows -> rows.size() > 0);
    }

    /**
     * Parked operations of a device. Run after {@link #lockKnownDevice} as its own statement, so that it sees what a
     * push that held the lock before us committed.
     */
    public Uni<Long> countParked(SqlClient tx, String deviceId) {
        return tx.preparedQuery("SELECT count(*) FROM device_operation WHERE device_id = $1 AND status = $2")
                .execute(Tuple.of(deviceId, QueuedOperation.PARKED))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * Forgets what the devices of {@code users} pulled (their replicas): an edge that evicts idle users has dropped
     * their rows, so a device of theirs that comes back pulls them anew.
     */
    public Uni<Void> forgetReplicasOfUsers(List<String> users) {
        return pool.preparedQuery("""
                DELETE FROM device_replica WHERE device_id IN (SELECT id FROM device WHERE user_id = ANY($1))""")
                .execute(Tuple.of(users.toArray(String[]::new)))
                .replaceWithVoid();
    }

    /** Deletes a device; its queue and replica records go with it (ON DELETE CASCADE), the conflict log stays. */
    public Uni<Boolean> deleteDevice(SqlClient tx, String deviceId) {
        return tx.preparedQuery("DELETE FROM device WHERE id = $1")
                .execute(Tuple.of(deviceId))
                .map(rows -> rows.rowCount() > 0);
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
