package io.edgesync.cache;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.conflict.Conflict;
import io.edgesync.conflict.ConflictDecision;
import io.edgesync.conflict.ConflictLog;
import io.edgesync.conflict.ConflictPolicies;
import io.edgesync.protocol.odata.ColumnType;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Applies create/update/delete operations to the edge cache: lock the record, check what the operation requires, let
 * the table's conflict policy decide a clash (logging both sides), write the new state with a fresh version and stamp
 * and its CUD event.
 */
@ApplicationScoped
public class RecordService {

    private final Pool pool;
    private final RecordStore store;
    private final TableCatalog catalog;
    private final ConflictPolicies policies;
    private final ConflictLog conflicts;
    private final ObjectMapper json;
    private final VisibilityHorizon horizon;

    public RecordService(Pool pool, RecordStore store, TableCatalog catalog, ConflictPolicies policies,
            ConflictLog conflicts, ObjectMapper json, VisibilityHorizon horizon) {
        this.pool = pool;
        this.horizon = horizon;
        this.store = store;
        this.catalog = catalog;
        this.policies = policies;
        this.conflicts = conflicts;
        this.json = json;
    }

    /** Applies one operation in its own transaction. */
    public Uni<WriteOutcome> applyOperation(TableInfo table, RecordOperation operation) {
        return Transactions.retryingDeadlocks(() -> pool.withTransaction(tx -> applyOperation(tx, table, operation)))
                .invoke(outcome -> afterCommit(table, operation, outcome));
    }

    /**
     * What follows the commit of an operation applied with
     * {@link #applyOperation(SqlConnection, TableInfo, RecordOperation)}: the columns it added join the cached schema,
     * and its change becomes visible to this process's pulls before they answer.
     */
    public void afterCommit(TableInfo table, RecordOperation operation, WriteOutcome outcome) {
        rememberColumns(table, operation, outcome);
        if (outcome instanceof WriteOutcome.Applied applied) {
            horizon.committed(table.name(), applied.record().changeSeq());
        }
    }

    /** What became of a change from the central service's stream. */
    public enum ReplicationOutcome {
        /** Written to the cache (pullers and notifications see it). */
        APPLIED,
        /** The cache already had this version: only its confirmation was recorded. */
        CONFIRMED,
        /** The cache already had this or a later central change of the record: nothing to do. */
        STALE
    }

    /**
     * Applies a row state from the central service's change stream, idempotently and in order: a change at or below the
     * record's last applied central position is ignored, one whose version the cache already has (the echo of this
     * edge's own write) is only confirmed, anything else is written with a new local stamp.
     *
     * @param masterSeq the change's position in the central service's order of the record's table
     */
    public Uni<ReplicationOutcome> applyReplicatedChange(String tableName, String id, ObjectNode data, String version,
            boolean deleted, long masterSeq) {
        return applyReplicatedChange(tableName, id, data, version, deleted, masterSeq, Optional.empty());
    }

    /**
     * Applies a row state from the change stream with the user it belongs to (per-user tables): a new row takes that
     * owner, an existing row keeps its own.
     */
    public Uni<ReplicationOutcome> applyReplicatedChange(String tableName, String id, ObjectNode data, String version,
            boolean deleted, long masterSeq, Optional<String> owner) {
        return applyReplicatedChanges(
                List.of(new ReplicatedChange(tableName, id, data, version, deleted, masterSeq, owner)))
                .map(outcomes -> outcomes.get(0));
    }

    /** A row state from the central service's change stream. */
    public record ReplicatedChange(String table, String id, ObjectNode data, String version, boolean deleted,
            long masterSeq, Optional<String> owner) {
    }

    /**
     * Applies consecutive changes of the change stream, in order. Echoes of this edge's own writes (the record already
     * has the change's version) are confirmed first with one short statement; the others are applied in one transaction
     * (one commit for all of them; all or none). Their records are locked up front in one order, so two batches never
     * wait for each other in a cycle; a transaction PostgreSQL rolls back as a deadlock victim runs again.
     *
     * @return one outcome per change, in order
     */
    public Uni<List<ReplicationOutcome>> applyReplicatedChanges(List<ReplicatedChange> changes) {
        List<String> names = changes.stream().map(ReplicatedChange::table).distinct().toList();
        return Multi.createFrom()
                .iterable(names)
                .onItem()
                .transformToUniAndConcatenate(name -> catalog.findTable(name)
                        .map(found -> found.orElseGet(() -> TableInfo.notYetCreated(name))))
                .collect()
                .asList()
                .chain(tables -> {
                    Map<String, TableInfo> byName = new HashMap<>();
                    for (int i = 0; i < tables.size(); i++) {
                        byName.put(names.get(i), tables.get(i));
                    }
                    List<Map<String, ColumnType>> newColumns = changes.stream()
                            .map(change -> newColumnsOf(byName.get(change.table()), change.data()))
                            .toList();
                    List<String[]> keys = changes.stream()
                            .map(change -> new String[]{byName.get(change.table()).name(), change.id(),
                                    change.version()})
                            .toList();
                    // The echoes of this edge's own writes (the most common change an edge gets back) are confirmed
                    // by one short statement, so they do not hold their records for the batch's transaction.
                    return store.confirmEchoes(keys, changes.stream().map(ReplicatedChange::masterSeq).toList())
                            .chain(confirmed -> {
                                List<Integer> rest = new ArrayList<>();
                                for (int i = 0; i < changes.size(); i++) {
                                    if (!confirmed.contains(RecordStore.recordKey(keys.get(i)[0], keys.get(i)[1])
                                            + '\u0000' + keys.get(i)[2])) {
                                        rest.add(i);
                                    }
                                }
                                return applyInOneTransaction(tables, byName, changes, newColumns, keys, rest);
                            });
                });
    }

    /** Applies the changes at {@code indexes} in one transaction; the other changes count as confirmed echoes. */
    private Uni<List<ReplicationOutcome>> applyInOneTransaction(List<TableInfo> tables, Map<String, TableInfo> byName,
            List<ReplicatedChange> changes, List<Map<String, ColumnType>> newColumns, List<String[]> keys,
            List<Integer> indexes) {
        List<ReplicationOutcome> outcomes = new ArrayList<>(
                Collections.nCopies(changes.size(), ReplicationOutcome.CONFIRMED));
        if (indexes.isEmpty()) {
            return Uni.createFrom().item(outcomes);
        }
        Map<String, Long> stamps = new HashMap<>();
        return Transactions.retryingDeadlocks(() -> pool.withTransaction(tx -> Multi.createFrom()
                .iterable(tables)
                .onItem()
                .transformToUniAndConcatenate(table -> catalog.createTable(tx, table))
                .collect()
                .asList()
                .chain(persisted -> store.lockRecords(tx, indexes.stream()
                        .map(i -> new String[]{keys.get(i)[0], keys.get(i)[1]})
                        .toList()))
                .chain(() -> Multi.createFrom()
                        .iterable(indexes)
                        .onItem()
                        .transformToUniAndConcatenate(i -> applyReplicated(tx,
                                byName.get(changes.get(i).table()).asPersisted(), changes.get(i), newColumns.get(i),
                                stamps)
                                .invoke(outcome -> outcomes.set(i, outcome)))
                        .collect()
                        .asList())))
                .map(applied -> {
                    stamps.forEach(horizon::committed);
                    for (int i : indexes) {
                        if (outcomes.get(i) == ReplicationOutcome.APPLIED && !newColumns.get(i).isEmpty()) {
                            catalog.rememberColumns(byName.get(changes.get(i).table()), newColumns.get(i));
                        }
                    }
                    return outcomes;
                });
    }

    private Uni<ReplicationOutcome> applyReplicated(SqlConnection tx, TableInfo table, ReplicatedChange change,
            Map<String, ColumnType> newColumns, Map<String, Long> stamps) {
        String id = change.id();
        long masterSeq = change.masterSeq();
        return store.lockMasterState(tx, table, id)
                .chain(state -> {
                    if (state.isPresent() && state.get().masterSeq() >= masterSeq) {
                        return Uni.createFrom().item(ReplicationOutcome.STALE);
                    }
                    if (state.isPresent() && state.get().version().equals(change.version())) {
                        return store.confirmMasterSeq(tx, table, id, masterSeq)
                                .replaceWith(ReplicationOutcome.CONFIRMED);
                    }
                    Uni<Boolean> superseded = state.isPresent()
                            ? store.isOlderOwnWrite(tx, table, id, change.version(), state.get().version())
                            : Uni.createFrom().item(false);
                    return superseded.chain(older -> older
                            // The echo of an older write of this edge's devices, while the cache holds a later one
                            // still on its way through central: applying it would take devices back in time until
                            // that one comes back too.
                            ? store.confirmMasterSeq(tx, table, id, masterSeq)
                                    .replaceWith(ReplicationOutcome.CONFIRMED)
                            : store.writeReplicated(tx, table, id, change.data(), change.version(), change.deleted(),
                                    masterSeq, newColumns, change.owner())
                                    .invoke(written -> stamps.merge(table.name(), written.changeSeq(), Math::max))
                                    .replaceWith(ReplicationOutcome.APPLIED));
                });
    }

    private static Map<String, ColumnType> newColumnsOf(TableInfo table, ObjectNode data) {
        Map<String, ColumnType> added = new LinkedHashMap<>();
        data.fields().forEachRemaining(field -> {
            if (table.canonicalColumn(field.getKey()).isEmpty()) {
                JsonNode value = field.getValue();
                added.put(field.getKey(), value.isTextual()
                        ? ColumnType.STRING
                        : value.isNumber()
                                ? ColumnType.NUMBER
                                : value.isBoolean() ? ColumnType.BOOLEAN : ColumnType.UNKNOWN);
            }
        });
        return added;
    }

    /** Records new columns in the cached metadata once the operation that added them committed. */
    public void rememberColumns(TableInfo table, RecordOperation operation, WriteOutcome outcome) {
        if (outcome instanceof WriteOutcome.Applied && !operation.newColumns().isEmpty()) {
            catalog.rememberColumns(table, operation.newColumns());
        }
    }

    /** Applies one operation inside the caller's transaction. */
    public Uni<WriteOutcome> applyOperation(SqlConnection tx, TableInfo table, RecordOperation operation) {
        return applyOperation(tx, table, operation, new HashMap<>());
    }

    /**
     * Locks records of several operations up front (a batch), in one order; see
     * {@link #applyOperation(SqlConnection, TableInfo, RecordOperation, Map)}.
     *
     * @param keys pairs of table key and record id
     * @return what the transaction now knows of each record: its locked row, or empty when it did not exist
     */
    public Uni<Map<String, Optional<StoredRecord>>> lockRecords(SqlConnection tx, List<String[]> keys) {
        return store.lockRecords(tx, keys).map(locked -> {
            Map<String, Optional<StoredRecord>> known = new HashMap<>();
            for (String[] key : keys) {
                String recordKey = RecordStore.recordKey(key[0], key[1]);
                known.put(recordKey, Optional.ofNullable(locked.get(recordKey)));
            }
            return known;
        });
    }

    /**
     * Applies one operation inside the caller's transaction, using what the transaction already knows of the record: a
     * row it locked (no second read), or that the record did not exist when the batch locked its records (an insert
     * then goes straight to the insert, whose conflict handling covers a record created since). Updates {@code known}
     * with the row the operation wrote.
     */
    public Uni<WriteOutcome> applyOperation(SqlConnection tx, TableInfo table, RecordOperation operation,
            Map<String, Optional<StoredRecord>> known) {
        String key = RecordStore.recordKey(table.name(), operation.id());
        Optional<StoredRecord> state = known.get(key);
        return catalog.createTable(tx, table)
                .chain(persisted -> (state != null && (state.isPresent()
                        || operation instanceof RecordOperation.Insert)
                                ? Uni.createFrom().item(state)
                                : store.lockRecord(tx, persisted, operation.id()))
                        .chain(current -> {
                            Optional<String> caller = operation.context().owner();
                            if (current.isPresent() && !current.get().visibleTo(caller)) {
                                // Another user's row: it does not exist for this caller.
                                return outcome(operation instanceof RecordOperation.Insert
                                        ? new WriteOutcome.IdTaken()
                                        : new WriteOutcome.NotFound());
                            }
                            return decide(tx, persisted, operation, current);
                        }))
                .invoke(outcome -> {
                    if (outcome instanceof WriteOutcome.Applied applied) {
                        known.put(key, Optional.of(applied.record()));
                    }
                });
    }

    private Uni<WriteOutcome> decide(SqlConnection tx, TableInfo table, RecordOperation operation,
            Optional<StoredRecord> current) {
        if (operation instanceof RecordOperation.Insert insert) {
            return insert(tx, table, insert, current);
        }
        if (current.isEmpty()) {
            return outcome(new WriteOutcome.NotFound());
        }
        StoredRecord record = current.get();
        if (operation instanceof RecordOperation.Update update) {
            return update(tx, table, update, record);
        }
        if (operation instanceof RecordOperation.Delete delete) {
            if (record.deleted()) {
                return outcome(deletedOutcome(table, record));
            }
            if (!delete.precondition().test(record)) {
                return conflict(tx, table, operation, record, Conflict.Kind.STALE_VERSION, Optional.empty(), false)
                        .chain(decision -> decision instanceof ConflictDecision.KeepServer
                                ? outcome(new WriteOutcome.PreconditionFailed(record))
                                : write(tx, table, operation, record, record.data(), true, Map.of(),
                                        Optional.of(decision.label())));
            }
            return write(tx, table, operation, record, record.data(), true, Map.of(), Optional.empty());
        }
        RecordOperation.Undelete undelete = (RecordOperation.Undelete) operation;
        if (!table.softDelete()) {
            return outcome(new WriteOutcome.NotFound());
        }
        if (!undelete.precondition().test(record)) {
            return outcome(new WriteOutcome.PreconditionFailed(record));
        }
        if (!record.deleted()) {
            return outcome(new WriteOutcome.Applied(record, false));
        }
        return write(tx, table, operation, record, record.data(), false, Map.of(), Optional.empty());
    }

    private Uni<WriteOutcome> update(SqlConnection tx, TableInfo table, RecordOperation.Update update,
            StoredRecord record) {
        if (record.deleted() && !(update.allowDeleted() && table.softDelete())) {
            if (!update.context().deletedIsConflict() || !table.softDelete()) {
                return outcome(deletedOutcome(table, record));
            }
            // The device changed a record the server deleted: the policy decides whether it comes back.
            return conflict(tx, table, update, record, Conflict.Kind.DELETED_ON_SERVER, Optional.of(update.data()),
                    update.merge())
                    .chain(decision -> decision instanceof ConflictDecision.KeepServer
                            ? outcome(new WriteOutcome.Deleted(record))
                            : write(tx, table, update, record, updatedData(update, record, decision), false,
                                    update.newColumns(), Optional.of(decision.label())));
        }
        if (!update.precondition().test(record)) {
            return conflict(tx, table, update, record, Conflict.Kind.STALE_VERSION, Optional.of(update.data()),
                    update.merge())
                    .chain(decision -> decision instanceof ConflictDecision.KeepServer
                            ? outcome(new WriteOutcome.PreconditionFailed(record))
                            : write(tx, table, update, record, updatedData(update, record, decision),
                                    record.deleted(), update.newColumns(), Optional.of(decision.label())));
        }
        return write(tx, table, update, record, updatedData(update, record, ConflictDecision.APPLY_CLIENT),
                record.deleted(), update.newColumns(), Optional.empty());
    }

    private static ObjectNode updatedData(RecordOperation.Update update, StoredRecord record,
            ConflictDecision decision) {
        if (decision instanceof ConflictDecision.ApplyMerged merged) {
            return merged.data();
        }
        return update.merge() ? record.data().deepCopy().setAll(update.data()) : update.data();
    }

    private Uni<WriteOutcome> insert(SqlConnection tx, TableInfo table, RecordOperation.Insert insert,
            Optional<StoredRecord> current) {
        Map<String, ColumnType> newColumns = insert.newColumns();
        ChangeOrigin origin = origin(insert, Optional.empty());
        if (current.isPresent()) {
            StoredRecord existing = current.get();
            if (existing.deleted() && !table.softDelete()) {
                // A table without soft delete: the tombstone only tells pullers about the delete; the id is free.
                return store.updateRecord(tx, table, existing.id(), insert.data(), false, true, newColumns,
                        origin(insert, Optional.of(existing.version())))
                        .map(recreated -> new WriteOutcome.Applied(recreated, true));
            }
            return conflict(tx, table, insert, existing, Conflict.Kind.ALREADY_EXISTS, Optional.of(insert.data()),
                    false)
                    .chain(decision -> {
                        if (decision instanceof ConflictDecision.KeepServer) {
                            return outcome(new WriteOutcome.AlreadyExists(existing));
                        }
                        ObjectNode data = decision instanceof ConflictDecision.ApplyMerged merged
                                ? merged.data()
                                : insert.data();
                        return store.updateRecord(tx, table, existing.id(), data, false, false, newColumns,
                                origin(insert, Optional.of(existing.version())))
                                .map(written -> new WriteOutcome.Applied(written, false,
                                        Optional.of(decision.label())));
                    });
        }
        return store.insertRecord(tx, table, insert.id(), insert.data(), newColumns, origin,
                insert.context().owner())
                .chain(inserted -> inserted.isPresent()
                        ? outcome(new WriteOutcome.Applied(inserted.get(), true))
                        // A concurrent insert of the same id committed first: answer with its row.
                        : store.lockRecord(tx, table, insert.id())
                                .map(winner -> winner.<WriteOutcome>map(WriteOutcome.AlreadyExists::new)
                                        .orElseGet(WriteOutcome.NotFound::new)));
    }

    private Uni<WriteOutcome> write(SqlConnection tx, TableInfo table, RecordOperation operation, StoredRecord record,
            ObjectNode data, boolean deleted, Map<String, ColumnType> newColumns, Optional<String> conflictDecision) {
        return store.updateRecord(tx, table, record.id(), data, deleted, false, newColumns,
                origin(operation, Optional.of(record.version())))
                .map(written -> new WriteOutcome.Applied(written, false, conflictDecision));
    }

    /**
     * The CUD event's origin. Its base version is the version the change replaced in this cache (the device's own base
     * only when nothing was replaced): the central service applies an event whose base is the master's version, so an
     * edge that resolved a device's conflict in the device's favour must not send the device's stale base along.
     */
    private static ChangeOrigin origin(RecordOperation operation, Optional<String> replacedVersion) {
        OperationContext context = operation.context();
        return ChangeOrigin.device(operation.kind(), replacedVersion.or(context::baseVersion),
                context.deviceId(), context.operationId());
    }

    /** Asks the table's policy and logs the conflict with both sides and the decision. */
    private Uni<ConflictDecision> conflict(SqlConnection tx, TableInfo table, RecordOperation operation,
            StoredRecord server, Conflict.Kind kind, Optional<ObjectNode> clientData, boolean partial) {
        ConflictPolicies.NamedPolicy policy = policies.forTable(table.name());
        Uni<Optional<ObjectNode>> base = policy.policy().needsBase() && operation.context().baseVersion().isPresent()
                ? findVersion(tx, table, operation.id(), operation.context().baseVersion().get())
                : Uni.createFrom().item(Optional.empty());
        return base.chain(baseData -> {
            boolean deletes = operation instanceof RecordOperation.Delete;
            Conflict conflict = new Conflict(table.name(), kind, clientData, deletes, partial,
                    operation.context().clientUpdatedAt(), server, baseData);
            ConflictDecision decision = policy.policy().resolve(conflict);
            Optional<ObjectNode> result = decision instanceof ConflictDecision.ApplyMerged merged
                    ? Optional.of(merged.data())
                    : Optional.empty();
            ConflictLog.Entry entry = new ConflictLog.Entry("edge", table.name(), operation.id(),
                    operation.context().deviceId(), operation.context().operationId(), policy.name(),
                    decision.label(), operation.context().baseVersion(), clientItem(operation, clientData),
                    Optional.of(itemOf(server)), result);
            return conflicts.logConflict(tx, entry).replaceWith(decision);
        });
    }

    private Optional<ObjectNode> clientItem(RecordOperation operation, Optional<ObjectNode> clientData) {
        ObjectNode item = json.createObjectNode();
        item.put("id", operation.id());
        item.put("operation", operation.kind());
        clientData.ifPresent(data -> item.set("data", data));
        return Optional.of(item);
    }

    private ObjectNode itemOf(StoredRecord record) {
        ObjectNode item = json.createObjectNode();
        item.put("id", record.id());
        item.set("data", record.data());
        item.put("version", record.version());
        item.put("updatedAt", ProtocolDates.format(record.updatedAt()));
        item.put("deleted", record.deleted());
        return item;
    }

    /** The columns of a record at one of its versions, while its CUD event is still in the outbox. */
    private Uni<Optional<ObjectNode>> findVersion(SqlConnection tx, TableInfo table, String id, String version) {
        return tx.preparedQuery("""
                SELECT data::text FROM outbox_event
                WHERE table_name = $1 AND record_id = $2 AND new_version = $3
                ORDER BY id DESC LIMIT 1""")
                .execute(Tuple.of(table.name(), id, version))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return Optional.empty();
                    }
                    try {
                        return Optional.of((ObjectNode) json.readTree(rows.iterator().next().getString(0)));
                    } catch (JsonProcessingException e) {
                        return Optional.empty();
                    }
                });
    }

    /** On a table without soft delete a tombstone is invisible: the record simply does not exist. */
    private static WriteOutcome deletedOutcome(TableInfo table, StoredRecord record) {
        return table.softDelete() ? new WriteOutcome.Deleted(record) : new WriteOutcome.NotFound();
    }

    private static Uni<WriteOutcome> outcome(WriteOutcome outcome) {
        return Uni.createFrom().item(outcome);
    }
}
