package io.edgesync.nativeapi;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ItemValidator;
import io.edgesync.cache.ItemValidator.InvalidItemException;
import io.edgesync.cache.OperationContext;
import io.edgesync.cache.Precondition;
import io.edgesync.cache.RecordOperation;
import io.edgesync.cache.RecordService;
import io.edgesync.cache.RecordStore;
import io.edgesync.cache.StoredRecord;
import io.edgesync.cache.TableCatalog;
import io.edgesync.cache.TableInfo;
import io.edgesync.cache.Transactions;
import io.edgesync.cache.WriteOutcome;
import io.edgesync.common.ApiException;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.conflict.ConflictPolicies;
import io.edgesync.device.DeviceIds;
import io.edgesync.device.DeviceQueue;
import io.edgesync.device.QueuedOperation;
import io.edgesync.protocol.zumo.ItemWriter;
import io.edgesync.security.Caller;
import io.edgesync.security.TableAccess;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Native batch push: a device's ordered operations applied in one transaction, each queued with its outcome. Idempotent
 * by operation id (a retried batch gets the stored answers); a failing operation is parked with its reason and does not
 * stop the others, unless its table is configured to stop on conflict.
 */
@ApplicationScoped
public class PushService {

    private static final int MAX_OPERATION_ID = 128;
    private static final Set<String> KINDS = Set.of("insert", "update", "delete", "undelete");

    private final Pool pool;
    private final TableCatalog catalog;
    private final RecordService records;
    private final ItemValidator validator;
    private final DeviceQueue queue;
    private final ConflictPolicies policies;
    private final ItemWriter writer;
    private final ObjectMapper json;
    private final MeterRegistry metrics;
    private final EdgeSyncConfig.Limits limits;
    private final TableAccess tableAccess;

    public PushService(Pool pool, TableCatalog catalog, RecordService records, ItemValidator validator,
            DeviceQueue queue, ConflictPolicies policies, ItemWriter writer, ObjectMapper json,
            MeterRegistry metrics, EdgeSyncConfig config, TableAccess tableAccess) {
        this.pool = pool;
        this.catalog = catalog;
        this.records = records;
        this.validator = validator;
        this.queue = queue;
        this.policies = policies;
        this.writer = writer;
        this.json = json;
        this.metrics = metrics;
        this.limits = config.limits();
        this.tableAccess = tableAccess;
    }

    /** What one operation came to, and what to remember once the transaction committed. */
    private record Processed(ObjectNode result, QueuedOperation queued, Optional<TableInfo> table,
            Optional<RecordOperation> operation, Optional<WriteOutcome> outcome) {
    }

    /** Applies a batch and returns one result per operation, in order. */
    public Uni<List<ObjectNode>> pushOperations(String deviceId, String clientVersion, PushRequest request,
            Caller caller) {
        List<PushRequest.Op> operations = validateBatch(deviceId, request);
        List<String> operationIds = operations.stream().map(PushRequest.Op::operationId).toList();
        // A deadlock with a concurrent writer rolls the whole batch back: it is safe to run it again.
        return Transactions.retryingDeadlocks(() -> pool.withTransaction(
                tx -> queue.reservePositions(tx, deviceId, "native", clientVersion, 0, caller.subject())
                        .chain(() -> queue.findResults(tx, deviceId, operationIds))
                        .chain(known -> {
                            List<PushRequest.Op> fresh = operations.stream()
                                    .filter(op -> !known.containsKey(op.operationId()))
                                    .toList();
                            Uni<Long> firstSeq = fresh.isEmpty()
                                    ? Uni.createFrom().item(0L)
                                    : queue.reservePositions(tx, deviceId, "native", clientVersion, fresh.size(),
                                            caller.subject());
                            return firstSeq.chain(seq -> queue.tablesWithParkedOperations(tx, deviceId)
                                    .chain(parked -> lockRecords(tx, fresh)
                                            .chain(locked -> processAll(tx, deviceId, operations, known, seq,
                                                    new HashSet<>(parked), caller, locked))));
                        })))
                .invoke(processed -> processed.forEach(this::afterCommit))
                .map(processed -> processed.stream().map(Processed::result).toList());
    }

    /**
     * Re-applies a parked operation to the current state (an administrator's retry) and updates its queue entry in
     * place.
     */
    public Uni<ObjectNode> retryParkedOperation(String deviceId, long seq) {
        return Transactions.retryingDeadlocks(() -> pool.withTransaction(tx -> lockDevice(tx, deviceId)
                .chain(() -> tx.preparedQuery("""
                        SELECT operation_id, table_name, kind, record_id, item::text, base_version, client_updated_at
                        FROM device_operation WHERE device_id = $1 AND seq = $2 AND status = 'parked' FOR UPDATE""")
                        .execute(Tuple.of(deviceId, seq)))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw new ApiException(404, "Device " + deviceId + " has no parked operation " + seq);
                    }
                    PushRequest.Op op = storedOperation(rows.iterator().next());
                    return deviceOwner(tx, deviceId)
                            .chain(owner -> processOne(tx, deviceId, op, seq, Set.of(), false,
                                    new Caller(owner, Set.of()), new HashMap<>()))
                            .call(processed -> tx.preparedQuery("""
                                    UPDATE device_operation
                                    SET status = $3::text, result = $4::text::jsonb, result_version = $5, error = $6,
                                        resolved_at = CASE WHEN $3::text = 'parked' THEN NULL
                                                           ELSE clock_timestamp() END
                                    WHERE device_id = $1 AND seq = $2""")
                                    .execute(Tuple.tuple(Arrays.asList(deviceId, seq,
                                            processed.queued().status(), processed.result().toString(),
                                            processed.queued().resultVersion().orElse(null),
                                            processed.queued().error().orElse(null)))));
                })))
                .invoke(this::afterCommit)
                .map(Processed::result);
    }

    /** Locks a device's row (its operations are applied one transaction at a time). */
    private Uni<Void> lockDevice(SqlConnection tx, String deviceId) {
        return tx.preparedQuery("SELECT 1 FROM device WHERE id = $1 FOR UPDATE")
                .execute(Tuple.of(deviceId))
                .replaceWithVoid();
    }

    /** The user a device is bound to: a parked operation is retried on that user's behalf. */
    private Uni<Optional<String>> deviceOwner(SqlConnection tx, String deviceId) {
        return tx.preparedQuery("SELECT user_id FROM device WHERE id = $1")
                .execute(Tuple.of(deviceId))
                .map(rows -> rows.iterator().hasNext()
                        ? Optional.ofNullable(rows.iterator().next().getString(0))
                        : Optional.<String>empty());
    }

    private List<PushRequest.Op> validateBatch(String deviceId, PushRequest request) {
        if (!DeviceIds.isValid(deviceId)) {
            throw ApiException.badRequest("Invalid device id: 1 to 128 characters, letters, digits and . _ : -");
        }
        if (request == null || request.operations() == null) {
            throw ApiException.badRequest("The body must be {\"operations\": [...]}");
        }
        List<PushRequest.Op> operations = request.operations();
        if (operations.size() > limits.maxBatchOperations()) {
            throw ApiException.badRequest("A batch holds at most " + limits.maxBatchOperations() + " operations");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < operations.size(); i++) {
            PushRequest.Op op = operations.get(i);
            if (op == null || op.operationId() == null || op.operationId().isBlank()
                    || op.operationId().length() > MAX_OPERATION_ID) {
                throw ApiException.badRequest("Operation " + i + ": operationId must be 1 to " + MAX_OPERATION_ID
                        + " characters");
            }
            if (!seen.add(op.operationId())) {
                throw ApiException.badRequest("Operation " + i + ": operationId '" + op.operationId()
                        + "' appears twice in the batch");
            }
            if (op.item() != null && op.item().toString().length() > limits.maxItemBytes()) {
                throw new ApiException(413, "Operation " + i + ": the item is larger than " + limits.maxItemBytes()
                        + " bytes");
            }
        }
        return operations;
    }

    /**
     * Locks the batch's records up front, in one order, so a batch and a concurrent single write cannot each hold a
     * lock the other needs; the rows read here spare each operation its own read.
     */
    private Uni<Map<String, Optional<StoredRecord>>> lockRecords(SqlConnection tx, List<PushRequest.Op> operations) {
        Set<String> seen = new HashSet<>();
        List<String[]> keys = new ArrayList<>();
        for (PushRequest.Op op : operations) {
            if (op.table() != null && op.id() != null) {
                String[] key = {TableInfo.key(op.table()), op.id()};
                if (seen.add(RecordStore.recordKey(key[0], key[1]))) {
                    keys.add(key);
                }
            }
        }
        return records.lockRecords(tx, keys);
    }

    private Uni<List<Processed>> processAll(SqlConnection tx, String deviceId, List<PushRequest.Op> operations,
            Map<String, ObjectNode> known, long firstSeq, Set<String> blockedTables, Caller caller,
            Map<String, Optional<StoredRecord>> locked) {
        long[] nextSeq = {firstSeq};
        return Multi.createFrom()
                .iterable(operations)
                .onItem()
                .transformToUniAndConcatenate(op -> {
                    ObjectNode stored = known.get(op.operationId());
                    if (stored != null) {
                        ObjectNode replayed = stored.deepCopy().put("replayed", true);
                        return Uni.createFrom()
                                .item(new Processed(replayed, null, Optional.empty(),
                                        Optional.empty(), Optional.empty()));
                    }
                    long seq = nextSeq[0]++;
                    return processOne(tx, deviceId, op, seq, blockedTables, true, caller, locked);
                })
                .collect()
                .asList()
                // The queue entries go in together, once every operation ran.
                .call(processed -> queue.appendOperations(tx, processed.stream()
                        .filter(p -> p.queued() != null)
                        .map(Processed::queued)
                        .toList()));
    }

    /** Applies one operation (or parks it) and builds its queue entry; the caller stores the entry. */
    private Uni<Processed> processOne(SqlConnection tx, String deviceId, PushRequest.Op op, long seq,
            Set<String> blockedTables, boolean enforceBlocking, Caller caller,
            Map<String, Optional<StoredRecord>> locked) {
        String kind = op.kind() == null ? "" : op.kind().toLowerCase(Locale.ROOT);
        if (!KINDS.contains(kind)) {
            return Uni.createFrom()
                    .item(parked(deviceId, seq, op, kind, "Unknown kind '" + op.kind()
                            + "': use insert, update, delete or undelete"));
        }
        if (op.table() == null || !TableCatalog.TABLE_NAME.matcher(op.table()).matches()) {
            return Uni.createFrom().item(parked(deviceId, seq, op, kind, "Invalid table name"));
        }
        String tableKey = TableInfo.key(op.table());
        if (enforceBlocking && blockedTables.contains(tableKey) && policies.stopOnConflict(tableKey)) {
            return Uni.createFrom()
                    .item(parked(deviceId, seq, op, kind,
                            "Waiting behind an earlier parked operation on table " + op.table()));
        }
        return catalog.findTable(op.table())
                .chain(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom()
                                .item(parked(deviceId, seq, op, kind,
                                        "The table '" + op.table() + "' does not exist"));
                    }
                    TableInfo table = found.get();
                    RecordOperation operation;
                    try {
                        TableAccess.Access access = tableAccess.authorize(caller, table, true);
                        operation = toRecordOperation(table, op, kind, deviceId, access.owner());
                    } catch (InvalidItemException | ApiException e) {
                        return Uni.createFrom().item(parked(deviceId, seq, op, kind, e.getMessage()));
                    }
                    return records.applyOperation(tx, table, operation, locked)
                            .map(outcome -> processed(deviceId, seq, op, table, operation, outcome, blockedTables));
                });
    }

    private RecordOperation toRecordOperation(TableInfo table, PushRequest.Op op, String kind, String deviceId,
            Optional<String> owner) {
        Optional<Instant> clientTime = Optional.ofNullable(op.clientUpdatedAt()).map(text -> {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                throw new InvalidItemException("clientUpdatedAt is not an ISO-8601 date-time");
            }
        });
        Optional<String> base = Optional.ofNullable(op.baseVersion()).filter(v -> !v.isEmpty());
        OperationContext context = new OperationContext(Optional.of(deviceId), Optional.of(op.operationId()), base,
                clientTime, true, owner);
        Precondition precondition = base.<Precondition>map(version -> current -> current.version().equals(version))
                .orElse(Precondition.NONE);
        if (kind.equals("insert") || kind.equals("update")) {
            ObjectNode item = op.item() == null ? json.createObjectNode() : op.item();
            ItemValidator.ValidItem valid = validator.validateItem(table, item);
            String id = op.id() != null
                    ? op.id()
                    : valid.id().orElseGet(() -> kind.equals("insert") ? ItemValidator.generateId() : null);
            if (id == null) {
                throw new InvalidItemException("An update needs the record id");
            }
            ItemValidator.requireValidId(id);
            if (valid.id().isPresent() && !valid.id().get().equals(id)) {
                throw new InvalidItemException("The item's id and the operation's id differ");
            }
            return kind.equals("insert")
                    ? new RecordOperation.Insert(id, valid.data(), valid.newColumns(), context)
                    : new RecordOperation.Update(id, valid.data(), true, precondition, false, valid.newColumns(),
                            context);
        }
        if (op.id() == null) {
            throw new InvalidItemException("A " + kind + " needs the record id");
        }
        ItemValidator.requireValidId(op.id());
        return kind.equals("delete")
                ? new RecordOperation.Delete(op.id(), precondition, context)
                : new RecordOperation.Undelete(op.id(), precondition, context);
    }

    private Processed processed(String deviceId, long seq, PushRequest.Op op, TableInfo table,
            RecordOperation operation, WriteOutcome outcome, Set<String> blockedTables) {
        ObjectNode result = json.createObjectNode()
                .put("operationId", op.operationId())
                .put("seq", seq);
        String status;
        Optional<String> version = Optional.empty();
        Optional<String> error = Optional.empty();
        if (outcome instanceof WriteOutcome.Applied applied) {
            status = QueuedOperation.APPLIED;
            version = Optional.of(applied.record().version());
            result.put("status", status).set("record", writer.writeItem(table, applied.record()));
            applied.conflictDecision().ifPresent(decision -> result.put("conflict", decision));
        } else if (outcome instanceof WriteOutcome.Deleted deleted && operation instanceof RecordOperation.Delete) {
            // Deleting what is already deleted: the device's intent holds.
            status = QueuedOperation.APPLIED;
            version = Optional.of(deleted.current().version());
            result.put("status", status)
                    .put("alreadyDeleted", true)
                    .set("record", writer.writeItem(table, deleted.current()));
        } else if (outcome instanceof WriteOutcome.AlreadyExists || outcome instanceof WriteOutcome.PreconditionFailed
                || outcome instanceof WriteOutcome.Deleted) {
            StoredRecord server = serverRecord(outcome);
            boolean stop = policies.stopOnConflict(table.name());
            status = stop ? QueuedOperation.PARKED : QueuedOperation.CONFLICT;
            result.put("status", status)
                    .put("decision", "server-wins")
                    .set("serverRecord", writer.writeItem(table, server));
            if (stop) {
                error = Optional.of("Conflict with the server's version; the table stops on conflicts");
                result.put("error", error.get());
                blockedTables.add(table.name());
            }
        } else if (outcome instanceof WriteOutcome.IdTaken) {
            status = QueuedOperation.PARKED;
            error = Optional.of("The id '" + operation.id() + "' is already in use");
            result.put("status", status).put("error", error.get());
            blockedTables.add(table.name());
        } else {
            status = QueuedOperation.PARKED;
            error = Optional.of("The record '" + operation.id() + "' does not exist");
            result.put("status", status).put("error", error.get());
            blockedTables.add(table.name());
        }
        QueuedOperation queued = new QueuedOperation(deviceId, seq, op.operationId(), table.name(), operation.id(),
                operation.kind(), Optional.ofNullable(op.item()), operation.context().baseVersion(),
                operation.context().clientUpdatedAt(), status, result, version, error);
        return new Processed(result, queued, Optional.of(table), Optional.of(operation), Optional.of(outcome));
    }

    private static StoredRecord serverRecord(WriteOutcome outcome) {
        if (outcome instanceof WriteOutcome.AlreadyExists exists) {
            return exists.current();
        }
        if (outcome instanceof WriteOutcome.PreconditionFailed failed) {
            return failed.current();
        }
        return ((WriteOutcome.Deleted) outcome).current();
    }

    private Processed parked(String deviceId, long seq, PushRequest.Op op, String kind, String error) {
        ObjectNode result = json.createObjectNode()
                .put("operationId", op.operationId())
                .put("seq", seq)
                .put("status", QueuedOperation.PARKED)
                .put("error", error);
        String table = op.table() != null && TableCatalog.TABLE_NAME.matcher(op.table()).matches()
                ? TableInfo.key(op.table())
                : "?";
        String recordId = op.id() == null ? "" : abbreviate(op.id(), ItemValidator.MAX_ID_LENGTH);
        QueuedOperation queued = new QueuedOperation(deviceId, seq, op.operationId(), table, recordId,
                abbreviate(kind.isEmpty() ? "?" : kind, 16), Optional.ofNullable(op.item()),
                Optional.ofNullable(op.baseVersion()).map(v -> abbreviate(v, 64)), Optional.empty(),
                QueuedOperation.PARKED, result, Optional.empty(), Optional.of(error));
        return new Processed(result, queued, Optional.empty(), Optional.empty(), Optional.empty());
    }

    private void afterCommit(Processed processed) {
        if (processed.queued() == null) {
            return;
        }
        if (processed.table().isPresent() && processed.operation().isPresent() && processed.outcome().isPresent()) {
            records.afterCommit(processed.table().get(), processed.operation().get(), processed.outcome().get());
        }
        metrics.counter("edgesync.operations", "table", processed.queued().table(), "outcome",
                processed.queued().status()).increment();
    }

    private PushRequest.Op storedOperation(Row row) {
        ObjectNode item = null;
        String itemText = row.getString(4);
        if (itemText != null) {
            try {
                JsonNode node = json.readTree(itemText);
                item = node.isObject() ? (ObjectNode) node : null;
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Corrupt stored operation", e);
            }
        }
        OffsetDateTime clientTime = row.getOffsetDateTime(6);
        return new PushRequest.Op(row.getString(0), row.getString(1), row.getString(2), row.getString(3), item,
                row.getString(5), clientTime == null ? null : clientTime.toString());
    }

    private static String abbreviate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
