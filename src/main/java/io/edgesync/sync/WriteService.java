package io.edgesync.sync;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ColumnType;
import io.edgesync.cache.ItemValidator;
import io.edgesync.cache.ItemValidator.InvalidItemException;
import io.edgesync.cache.OperationContext;
import io.edgesync.cache.Precondition;
import io.edgesync.cache.RecordOperation;
import io.edgesync.cache.RecordStore;
import io.edgesync.cache.RecordVersions;
import io.edgesync.cache.RowScope;
import io.edgesync.cache.StoredRecord;
import io.edgesync.cache.TableCatalog;
import io.edgesync.cache.TableInfo;
import io.edgesync.cache.Transactions;
import io.edgesync.cache.VisibilityHorizon;
import io.edgesync.cache.WriteOutcome;
import io.edgesync.common.DomainException;
import io.edgesync.common.Meters;
import io.edgesync.conflict.ConflictLog;
import io.edgesync.conflict.ConflictPolicies;
import io.edgesync.device.DeviceQueue;
import io.edgesync.device.QueuedOperation;
import io.edgesync.events.EdgeOutbox;
import io.edgesync.events.EventPipeline;
import io.edgesync.scope.EdgeUsers;
import io.edgesync.security.Caller;
import io.edgesync.security.TableAccess;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * The one write path of the gateway: a table-protocol request and a native batch apply through here. For each operation
 * it validates the item, checks the caller's access, checks the precondition against the record, lets the table's
 * conflict policy decide a clash (logging both sides), and writes the record, its CUD event and the device's queue
 * entry, all of a batch in one transaction, then answers in the protocol's shape.
 *
 * <p> A batch of N operations costs a constant number of statements, not N: the device and its queue state, the tables
 * to create and the batch's records (read and locked in one order) are read in one pipelined round trip; the decisions
 * are made in memory ({@link WritePlanner}); the stamps of each table are drawn once; one statement writes everything
 * ({@link ChangeWriter}). A transaction PostgreSQL rolls back as a deadlock victim, or one that finds a record it meant
 * to insert inserted meanwhile, runs again as a whole.
 */
@ApplicationScoped
public class WriteService {

    private final Pool pool;
    private final TableCatalog catalog;
    private final ItemValidator validator;
    private final TableAccess access;
    private final ConflictPolicies policies;
    private final ConflictLog conflicts;
    private final RecordStore store;
    private final RecordVersions versions;
    private final DeviceQueue queue;
    private final ChangeWriter writer;
    private final VisibilityHorizon horizon;
    private final EventPipeline events;
    private final ObjectMapper json;
    private final MeterRegistry metrics;
    private final EdgeUsers users;

    public WriteService(Pool pool, TableCatalog catalog, ItemValidator validator, TableAccess access,
            ConflictPolicies policies, ConflictLog conflicts, RecordStore store, RecordVersions versions,
            DeviceQueue queue, ChangeWriter writer, VisibilityHorizon horizon, EventPipeline events, ObjectMapper json,
            MeterRegistry metrics, EdgeUsers users) {
        this.pool = pool;
        this.users = users;
        this.catalog = catalog;
        this.validator = validator;
        this.access = access;
        this.policies = policies;
        this.conflicts = conflicts;
        this.store = store;
        this.versions = versions;
        this.queue = queue;
        this.writer = writer;
        this.horizon = horizon;
        this.events = events;
        this.json = json;
        this.metrics = metrics;
    }

    /**
     * Applies one operation (a table-protocol request). An insert, or an update or delete whose precondition is at most
     * a version, is first tried as one statement that commits on its own; when the record is not as that statement
     * expects, it changes nothing and the operation is applied the general way, which decides the conflict.
     */
    public Uni<WriteResult> write(WriteCall call, WriteRequest request) {
        return prepare(call, List.of(request)).chain(prepared -> {
            Optional<ChangeWriter.Single> single = single(call, prepared.get(0));
            if (single.isEmpty()) {
                return apply(call, prepared).map(results -> results.get(0));
            }
            return Transactions.retryingDeadlocks(() -> writer.writeSingle(pool, single.get()))
                    .chain(written -> written.isPresent()
                            ? Uni.createFrom().item(singleWritten(prepared.get(0), single.get(), written.get()))
                            : apply(call, prepared).map(results -> results.get(0)));
        });
    }

    /**
     * Applies an ordered batch in one transaction and answers each operation, in order. Operations the device sent
     * before (by operation id) are answered with their first answer and not applied again.
     */
    public Uni<List<WriteResult>> writeAll(WriteCall call, List<WriteRequest> requests) {
        return prepare(call, requests).chain(prepared -> apply(call, prepared));
    }

    private Uni<List<WriteResult>> apply(WriteCall call, List<Prepared> prepared) {
        return Transactions.retryingDeadlocks(() -> Transactions.inTransaction(pool,
                (tx, commit) -> run(tx, call, prepared, Optional.empty(), commit)))
                .invoke(this::afterCommit)
                .map(Run::results);
    }

    /** The single-statement form of an operation, when it has one. */
    private Optional<ChangeWriter.Single> single(WriteCall call, Prepared p) {
        if (!call.answers().answersWithoutStamp() || p.operation().isEmpty() || !p.table().get().persisted()) {
            return Optional.empty();
        }
        RecordOperation operation = p.operation().get();
        Optional<String> required;
        ObjectNode data;
        boolean merge = false;
        if (operation instanceof RecordOperation.Insert insert) {
            required = Optional.empty();
            data = insert.data();
        } else if (operation instanceof RecordOperation.Update update && !update.allowDeleted()
                && (update.precondition() == Precondition.NONE
                        || update.precondition().requiredVersion().isPresent())) {
            required = update.precondition().requiredVersion();
            data = update.data();
            merge = update.merge();
        } else if (operation instanceof RecordOperation.Delete delete
                && (delete.precondition() == Precondition.NONE
                        || delete.precondition().requiredVersion().isPresent())) {
            required = delete.precondition().requiredVersion();
            data = json.createObjectNode();
        } else {
            return Optional.empty();
        }
        TableInfo table = p.table().get();
        String version = WritePlanner.newVersion();
        Optional<ChangeWriter.QueuedDevice> device = call.deviceId().map(deviceId -> {
            StoredRecord applied = new StoredRecord(operation.id(), data, Instant.EPOCH, Instant.EPOCH, version, false,
                    0, operation.context().scope().ownerOfNewRows());
            AnswerFormat.Answer answer = call.answers()
                    .answer(0, p.operationId(), p.request(), p.table(),
                            new WriteOutcome.Applied(applied, operation instanceof RecordOperation.Insert), false);
            return new ChangeWriter.QueuedDevice(deviceId, call.clientVersion(), call.protocol(),
                    call.caller().subject(), p.request().item(), answer.body());
        });
        return Optional.of(new ChangeWriter.Single(table, operation.kind(), operation.id(), data, merge, version,
                required, p.request().baseVersion(), operation.context().scope(),
                operation.newColumns().isEmpty()
                        ? Optional.empty()
                        : Optional.of(catalog.columnsJson(operation.newColumns())),
                p.operationId(), device,
                policies.keepsVersions(table.name())));
    }

    /** A single write committed: what follows the commit, and its result. */
    private WriteResult singleWritten(Prepared p, ChangeWriter.Single single, StoredRecord record) {
        TableInfo table = p.table().get();
        horizon.committed(table.name(), record.changeSeq());
        events.edgeEventsCommitted();
        Map<String, ColumnType> added = p.operation().get().newColumns();
        if (!added.isEmpty()) {
            catalog.rememberColumns(table, added);
        }
        Meters.counter(metrics, "edgesync.operations", "table", table.name(), "outcome", QueuedOperation.APPLIED)
                .increment();
        WriteOutcome outcome = new WriteOutcome.Applied(record, single.kind().equals(WriteRequest.INSERT));
        return new WriteResult(p.table(), outcome, single.device()
                .map(ChangeWriter.QueuedDevice::answer)
                .orElseGet(json::createObjectNode), false);
    }

    /**
     * Applies operations inside the caller's transaction, which commits or rolls back as the caller decides (nothing of
     * what follows a commit here: for tests that hold a write's transaction open).
     */
    public Uni<List<WriteResult>> writeInTransaction(SqlConnection tx, WriteCall call, List<WriteRequest> requests) {
        return prepare(call, requests)
                .chain(prepared -> run(tx, call, prepared, Optional.empty(), Transactions.Commit.BY_CALLER))
                .map(Run::results);
    }

    /**
     * Applies a parked operation of a device again, to the current state, on behalf of the device's user, and records
     * its new outcome in the same queue entry (an administrator's retry). On a stop-on-conflict table an operation
     * parked behind an earlier one of the same device is refused (409) until that one is retried or discarded.
     */
    public Uni<WriteResult> retryParked(String deviceId, long seq, AnswerFormat answers) {
        return Transactions.retryingDeadlocks(() -> Transactions.inTransaction(pool,
                (tx, commit) -> queue.lockParked(tx, deviceId, seq)
                        .chain(parked -> retryInTransaction(tx, commit, deviceId, seq, parked, answers))))
                .invoke(this::afterCommit)
                .map(run -> run.results().get(0));
    }

    /** Applies the locked parked operation {@code seq} again, in {@code tx}. */
    private Uni<Run> retryInTransaction(SqlConnection tx, Transactions.Commit commit, String deviceId, long seq,
            DeviceQueue.ParkedOperation parked, AnswerFormat answers) {
        if (parked.earlierParkedOnTable().isPresent() && policies.stopOnConflict(parked.table())) {
            // The device's operations on a stop-on-conflict table apply in the order it sent them.
            throw DomainException.conflict("Operation " + parked.earlierParkedOnTable().get() + " of device "
                    + deviceId + " is parked before operation " + seq + " on table " + parked.table()
                    + ", which keeps a device's operations in order (stop-on-conflict): retry or discard operation "
                    + parked.earlierParkedOnTable().get() + " first");
        }
        WriteCall call = new WriteCall(new Caller(parked.userId(), Set.of()), Optional.of(deviceId), "native",
                Optional.empty(), answers);
        WriteRequest request = new WriteRequest(parked.table(), parked.kind(),
                Optional.of(parked.recordId()).filter(id -> !id.isEmpty()), parked.item(),
                parked.baseVersion().<Precondition>map(Precondition::versionIs).orElse(Precondition.NONE),
                parked.baseVersion(), parked.clientUpdatedAt(), Optional.of(parked.operationId()), false, false, true);
        return prepare(call, List.of(request)).chain(prepared -> run(tx, call, prepared, Optional.of(seq), commit));
    }

    // ------------------------------------------------------------------------------------------- before the database

    /** An operation checked as far as it can be without the record: what to apply, or why it never will be. */
    private record Prepared(WriteRequest request, String operationId, Optional<TableInfo> table,
            Optional<RecordOperation> operation, Optional<WriteOutcome> refused) {
    }

    /** Finds the tables (cached metadata) and turns each request into a record operation or a refusal. */
    private Uni<List<Prepared>> prepare(WriteCall call, List<WriteRequest> requests) {
        List<String> names = requests.stream()
                .map(WriteRequest::table)
                .filter(name -> name != null && TableCatalog.TABLE_NAME.matcher(name).matches())
                .map(TableInfo::key)
                .distinct()
                .toList();
        return Multi.createFrom()
                .iterable(names)
                .onItem()
                .transformToUniAndConcatenate(catalog::findTable)
                .collect()
                .asList()
                .map(found -> {
                    Map<String, TableInfo> tables = new HashMap<>();
                    found.forEach(table -> table.ifPresent(t -> tables.put(t.name(), t)));
                    List<Prepared> prepared = new ArrayList<>(requests.size());
                    for (WriteRequest request : requests) {
                        prepared.add(prepare(call, request, tables));
                    }
                    return prepared;
                });
    }

    private Prepared prepare(WriteCall call, WriteRequest request, Map<String, TableInfo> tables) {
        String operationId = request.operationId().orElseGet(() -> UUID.randomUUID().toString());
        String kind = request.kind() == null ? "" : request.kind().toLowerCase(Locale.ROOT);
        Optional<TableInfo> table = Optional.ofNullable(request.table())
                .filter(name -> TableCatalog.TABLE_NAME.matcher(name).matches())
                .map(name -> tables.get(TableInfo.key(name)));
        if (!WriteRequest.KINDS.contains(kind)) {
            return refused(request, operationId, table, DomainException.Kind.INVALID, "Unknown kind '" + request.kind()
                    + "': use insert, update, delete or undelete");
        }
        if (table.isEmpty()) {
            return refused(request, operationId, Optional.empty(), DomainException.Kind.NOT_FOUND, "The table '"
                    + abbreviate(String.valueOf(request.table()), 64) + "' does not exist");
        }
        try {
            TableAccess.Access allowed = access.authorize(call.caller(), table.get(), true);
            users.beforeWrite(table.get().name(), call.caller().subject());
            RecordOperation operation = toOperation(call, request, kind, operationId, table.get(), allowed.scope());
            return new Prepared(request, operationId, table, Optional.of(operation), Optional.empty());
        } catch (DomainException e) {
            // (access denied, an invalid item, ...)
            return refused(request, operationId, table, e.kind(), e.getMessage());
        }
    }

    private static Prepared refused(WriteRequest request, String operationId, Optional<TableInfo> table,
            DomainException.Kind kind, String message) {
        return new Prepared(request, operationId, table, Optional.empty(),
                Optional.of(new WriteOutcome.Rejected(kind, message)));
    }

    /** Validates the item and the ids, and builds the operation the planner applies. */
    private RecordOperation toOperation(WriteCall call, WriteRequest request, String kind, String operationId,
            TableInfo table, RowScope scope) {
        OperationContext context = new OperationContext(call.deviceId(), Optional.of(operationId),
                request.baseVersion(), request.clientUpdatedAt(), request.deletedIsConflict(), scope);
        if (kind.equals(WriteRequest.INSERT) || kind.equals(WriteRequest.UPDATE)) {
            ObjectNode item = request.item().orElseGet(json::createObjectNode);
            ItemValidator.ValidItem valid = validator.validateItem(table, item);
            Optional<String> named = request.id();
            named.ifPresent(ItemValidator::requireValidId);
            if (named.isPresent() && valid.id().isPresent() && !valid.id().get().equals(named.get())) {
                throw new InvalidItemException("The item's id and the id the request names differ");
            }
            if (kind.equals(WriteRequest.INSERT)) {
                String id = named.or(valid::id).orElseGet(ItemValidator::generateId);
                return new RecordOperation.Insert(id, valid.data(), valid.newColumns(), context);
            }
            String id = named.or(valid::id)
                    .orElseThrow(() -> new InvalidItemException("The item to update has no id"));
            return new RecordOperation.Update(id, valid.data(), request.merge(), request.precondition(),
                    request.allowDeleted(), valid.newColumns(), context);
        }
        String id = request.id().orElseThrow(() -> new InvalidItemException("A " + kind + " needs the record id"));
        ItemValidator.requireValidId(id);
        return kind.equals(WriteRequest.DELETE)
                ? new RecordOperation.Delete(id, request.precondition(), context)
                : new RecordOperation.Undelete(id, request.precondition(), context);
    }

    // --------------------------------------------------------------------------------------------- in the transaction

    /**
     * What a committed transaction did: the answers, and what follows the commit.
     *
     * @param stamps the highest stamp written per table
     * @param newColumns per table, the columns writes added
     */
    private record Run(List<WriteResult> results, List<Optional<AnswerFormat.Answer>> answers,
            Map<String, Long> stamps, Map<String, Map<String, ColumnType>> newColumns,
            List<ConflictLog.Entry> conflicts, List<String[]> counted) {
    }

    /**
     * What the transaction reads before it decides.
     *
     * @param lastSeq the last queue position the device has used (0 without a device)
     * @param bases the record states operations were based on, for three-way merges
     */
    private record Snapshot(long lastSeq, DeviceQueue.QueueState queueState,
            Map<String, Optional<StoredRecord>> records, Map<String, ObjectNode> bases) {
    }

    /**
     * Runs the operations in the transaction {@code tx}: the snapshot, the decisions, the stamps, and the write, which
     * {@code commit} sends the transaction's COMMIT with.
     */
    private Uni<Run> run(SqlConnection tx, WriteCall call, List<Prepared> prepared, Optional<Long> requeueSeq,
            Transactions.Commit commit) {
        return readSnapshot(tx, call, prepared, requeueSeq.isEmpty())
                .chain(snapshot -> decideAndWrite(tx, call, prepared, snapshot, requeueSeq, commit));
    }

    /**
     * One round trip: the device's row (locked, so its operations apply in its order, with the last queue position it
     * used), what its queue says about this batch, the auto-created tables' rows, the batch's records, read and locked
     * in one order, and the versions three-way merges start from.
     */
    private Uni<Snapshot> readSnapshot(SqlConnection tx, WriteCall call, List<Prepared> prepared,
            boolean readQueue) {
        Uni<Long> device = call.deviceId().isEmpty()
                ? Uni.createFrom().item(0L)
                : queue.lockDevice(tx, call.deviceId().get(), call.protocol(), call.clientVersion(),
                        call.caller().subject());
        List<String> operationIds = prepared.stream()
                .filter(p -> p.request().operationId().isPresent())
                .map(Prepared::operationId)
                .toList();
        Uni<DeviceQueue.QueueState> queueState = call.deviceId().isEmpty() || !readQueue
                ? Uni.createFrom().item(new DeviceQueue.QueueState(Map.of(), Set.of()))
                : queue.readQueueState(tx, call.deviceId().get(), operationIds);
        Map<String, TableInfo> toCreate = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        List<String[]> keys = new ArrayList<>();
        for (Prepared p : prepared) {
            if (p.operation().isEmpty()) {
                continue;
            }
            TableInfo table = p.table().get();
            if (!table.persisted()) {
                toCreate.putIfAbsent(table.name(), table);
            }
            if (seen.add(RecordStore.recordKey(table.name(), p.operation().get().id()))) {
                keys.add(new String[]{table.name(), p.operation().get().id()});
            }
        }
        Uni<List<TableInfo>> created = toCreate.isEmpty()
                ? Uni.createFrom().item(List.of())
                : Uni.join()
                        .all(toCreate.values().stream().map(t -> catalog.createTable(tx, t)).toList())
                        .andFailFast();
        Uni<Map<String, StoredRecord>> locked = store.lockRecords(tx, keys);
        return Uni.combine()
                .all()
                .unis(device, queueState, created, locked, findBases(tx, prepared))
                .asTuple()
                .map(all -> {
                    Map<String, Optional<StoredRecord>> records = new HashMap<>();
                    for (String[] key : keys) {
                        String recordKey = RecordStore.recordKey(key[0], key[1]);
                        records.put(recordKey, Optional.ofNullable(all.getItem4().get(recordKey)));
                    }
                    return new Snapshot(all.getItem1(), all.getItem2(), records, all.getItem5());
                });
    }

    /**
     * The record states at the versions operations were based on, when their table's policy merges three ways (read for
     * operations the device sent before too: the snapshot is read before it is known which ones those are).
     */
    private Uni<Map<String, ObjectNode>> findBases(SqlConnection tx, List<Prepared> prepared) {
        List<String[]> keys = new ArrayList<>();
        for (Prepared p : prepared) {
            if (p.operation().isPresent() && p.request().baseVersion().isPresent()
                    && policies.keepsVersions(p.table().get().name())) {
                keys.add(new String[]{p.table().get().name(), p.operation().get().id(),
                        p.request().baseVersion().get()});
            }
        }
        return versions.find(tx, keys);
    }

    /** One decided operation of the batch, before its stamp is known. */
    private record Step(Prepared prepared, long seq, WritePlanner.Decision decision, boolean replayed,
            Optional<ObjectNode> storedAnswer) {
    }

    private Uni<Run> decideAndWrite(SqlConnection tx, WriteCall call, List<Prepared> prepared, Snapshot snapshot,
            Optional<Long> requeueSeq, Transactions.Commit commit) {
        boolean requeue = requeueSeq.isPresent();
        WritePlanner planner = new WritePlanner(policies, json, snapshot.records(), snapshot.bases());
        Set<String> blocked = new HashSet<>(snapshot.queueState().tablesWithParkedOperations());
        List<Step> steps = new ArrayList<>(prepared.size());
        long nextSeq = requeueSeq.orElse(snapshot.lastSeq() + 1);
        for (Prepared p : prepared) {
            ObjectNode stored = snapshot.queueState().knownResults().get(p.operationId());
            if (stored != null) {
                steps.add(new Step(p, 0, WritePlanner.Decision.of(new WriteOutcome.Replayed()), true,
                        Optional.of(stored)));
                continue;
            }
            long seq = call.deviceId().isPresent() ? nextSeq++ : 0;
            WritePlanner.Decision decision;
            if (p.refused().isPresent()) {
                decision = WritePlanner.Decision.of(p.refused().get());
            } else if (!requeue && blocked.contains(p.table().get().name())
                    && policies.stopOnConflict(p.table().get().name())) {
                decision = WritePlanner.Decision.of(new WriteOutcome.Rejected(DomainException.Kind.CONFLICT,
                        "Waiting behind an earlier parked operation on table " + p.request().table()));
            } else {
                decision = planner.decide(p.table().get(), p.operation().get());
            }
            if (decision.outcome().isPresent() && p.table().isPresent()) {
                AnswerFormat.Answer answer = answer(call, p, seq, decision.outcome().get());
                if (call.answers().blocksLaterOperations(answer)) {
                    blocked.add(p.table().get().name());
                }
            }
            steps.add(new Step(p, seq, decision, false, Optional.empty()));
        }
        // (the device's new positions are recorded in the same round trip as the stamps are drawn)
        Uni<Void> positions = requeue || call.deviceId().isEmpty() || nextSeq == snapshot.lastSeq() + 1
                ? Uni.createFrom().voidItem()
                : queue.usePositions(tx, call.deviceId().get(), nextSeq - 1);
        return Uni.combine()
                .all()
                .unis(positions, store.drawStamps(tx, planner.writesPerTable()))
                .asTuple()
                .map(both -> both.getItem2())
                .chain(firstStamps -> {
                    Run run = finish(call, steps, firstStamps);
                    return commit.with(writer.write(tx, batchOf(call, steps, run, requeue))).replaceWith(run);
                });
    }

    private AnswerFormat.Answer answer(WriteCall call, Prepared p, long seq, WriteOutcome outcome) {
        boolean stops = p.table().map(t -> policies.stopOnConflict(t.name())).orElse(false);
        return call.answers().answer(seq, p.operationId(), p.request(), p.table(), outcome, stops);
    }

    /** The stamp of a planned write, and of the write that created its record. */
    private static long stampOf(Map<String, Long> firstStamps, WritePlanner.RecordWrite write, int ordinal) {
        return firstStamps.get(write.table().name()) + ordinal;
    }

    private static StoredRecord recordOf(Map<String, Long> firstStamps, WritePlanner.RecordWrite write) {
        long stamp = stampOf(firstStamps, write, write.ordinal());
        long created = write.createdByOrdinal() >= 0 ? stampOf(firstStamps, write, write.createdByOrdinal()) : 0;
        return write.record(stamp, created);
    }

    /** The final outcome and answer of every operation, now that the stamps are known. */
    private Run finish(WriteCall call, List<Step> steps, Map<String, Long> firstStamps) {
        List<WriteResult> results = new ArrayList<>(steps.size());
        List<Optional<AnswerFormat.Answer>> answers = new ArrayList<>(steps.size());
        Map<String, Long> stamps = new HashMap<>();
        Map<String, Map<String, ColumnType>> newColumns = new HashMap<>();
        List<ConflictLog.Entry> logged = new ArrayList<>();
        List<String[]> counted = new ArrayList<>();
        for (Step step : steps) {
            Prepared p = step.prepared();
            if (step.replayed()) {
                results.add(new WriteResult(p.table(), new WriteOutcome.Replayed(),
                        step.storedAnswer().get().deepCopy().put("replayed", true), true));
                answers.add(Optional.empty());
                continue;
            }
            WritePlanner.Decision decision = step.decision();
            WriteOutcome outcome = decision.outcome()
                    .orElseGet(() -> new WriteOutcome.Applied(
                            recordOf(firstStamps, decision.write().get()), decision.created(),
                            decision.conflictDecision()));
            decision.write().ifPresent(write -> {
                stamps.merge(write.table().name(), stampOf(firstStamps, write, write.ordinal()), Math::max);
                Map<String, ColumnType> added = p.operation().get().newColumns();
                if (!added.isEmpty()) {
                    newColumns.computeIfAbsent(write.table().name(), t -> new LinkedHashMap<>()).putAll(added);
                }
            });
            decision.conflict().ifPresent(logged::add);
            AnswerFormat.Answer answer = answer(call, p, step.seq(), outcome);
            counted.add(new String[]{p.table().map(TableInfo::name).orElse("?"), answer.status()});
            results.add(new WriteResult(p.table(), outcome, answer.body(), false));
            answers.add(Optional.of(answer));
        }
        return new Run(results, answers, stamps, newColumns, logged, counted);
    }

    /** Everything the transaction writes, in one statement. */
    private ChangeWriter.Batch batchOf(WriteCall call, List<Step> steps, Run run, boolean requeue) {
        Map<String, RecordStore.RowWrite> finalRows = new LinkedHashMap<>();
        Map<String, Boolean> newRow = new HashMap<>();
        List<EdgeOutbox.Event> events = new ArrayList<>();
        List<QueuedOperation> entries = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            if (step.replayed()) {
                continue;
            }
            Prepared p = step.prepared();
            WritePlanner.Decision decision = step.decision();
            WriteResult result = run.results().get(i);
            if (decision.write().isPresent()) {
                WritePlanner.RecordWrite write = decision.write().get();
                StoredRecord record = ((WriteOutcome.Applied) result.outcome()).record();
                String key = RecordStore.recordKey(write.table().name(), write.id());
                boolean keepsCreation = write.createdAt().isPresent();
                // (the row keeps the id of the CUD event of its last write: the version is this edge's)
                UUID eventId = UUID.randomUUID();
                // (when the device made the change, as it said: last-writer-wins compares later changes with it)
                finalRows.put(key, new RecordStore.RowWrite(write.table().name(), write.id(), record.data(),
                        record.deleted(), record.version(), record.changeSeq(),
                        keepsCreation ? null : record.createdAt().toEpochMilli(), record.owner(),
                        p.request().clientUpdatedAt(), eventId));
                newRow.putIfAbsent(key, write.newRow());
                events.add(new EdgeOutbox.Event(eventId, write.table().name(), write.id(), write.operation(),
                        write.replacedVersion(), record.version(), record.data(), record.deleted(),
                        record.createdAt().toEpochMilli(), record.changeSeq(), call.deviceId(),
                        Optional.of(p.operationId()), record.owner(), p.request().clientUpdatedAt()));
            }
            if (call.deviceId().isPresent()) {
                entries.add(queueEntry(call, step, result, run.answers().get(i).get()));
            }
        }
        List<RecordStore.RowWrite> inserted = new ArrayList<>();
        List<RecordStore.RowWrite> changed = new ArrayList<>();
        finalRows.forEach((key, row) -> (newRow.get(key) ? inserted : changed).add(row));
        Map<String, String> columns = new LinkedHashMap<>();
        run.newColumns().forEach((table, added) -> columns.put(table, catalog.columnsJson(added)));
        List<RecordVersions.Kept> kept = new ArrayList<>();
        for (EdgeOutbox.Event event : events) {
            if (policies.keepsVersions(event.table())) {
                kept.add(new RecordVersions.Kept(event.table(), event.recordId(), event.newVersion(), event.data()));
            }
        }
        return new ChangeWriter.Batch(inserted, changed, events, requeue ? List.of() : entries,
                requeue ? entries : List.of(), run.conflicts(), columns, kept);
    }

    private static QueuedOperation queueEntry(WriteCall call, Step step, WriteResult result,
            AnswerFormat.Answer answer) {
        Prepared p = step.prepared();
        String table = p.table()
                .map(TableInfo::name)
                .orElseGet(() -> p.request().table() != null
                        && TableCatalog.TABLE_NAME.matcher(p.request().table()).matches()
                                ? TableInfo.key(p.request().table())
                                : "?");
        String recordId = p.operation()
                .map(RecordOperation::id)
                .or(() -> p.request().id())
                .or(() -> p.request().item().map(item -> item.path("id").asText("")))
                .map(id -> abbreviate(id, ItemValidator.MAX_ID_LENGTH))
                .orElse("");
        String kind = p.request().kind() == null || p.request().kind().isEmpty()
                ? "?"
                : abbreviate(p.request().kind().toLowerCase(Locale.ROOT), 16);
        Optional<String> version = result.outcome() instanceof WriteOutcome.Applied applied
                ? Optional.of(applied.record().version())
                : result.outcome() instanceof WriteOutcome.Deleted deleted && answer.status().equals("applied")
                        ? Optional.of(deleted.current().version())
                        : Optional.empty();
        return new QueuedOperation(call.deviceId().get(), step.seq(), p.operationId(), table, recordId, kind,
                p.request().item(), p.request().baseVersion().map(v -> abbreviate(v, 64)),
                p.request().clientUpdatedAt(), answer.status(), answer.body(), version, answer.error());
    }

    // ------------------------------------------------------------------------------------------------ after the commit

    private void afterCommit(Run run) {
        run.stamps().forEach(horizon::committed);
        if (!run.stamps().isEmpty()) {
            events.edgeEventsCommitted();
        }
        run.newColumns()
                .forEach((table, added) -> run.results()
                        .stream()
                        .flatMap(result -> result.table().stream())
                        .filter(t -> t.name().equals(table))
                        .findFirst()
                        .ifPresent(t -> catalog.rememberColumns(t, added)));
        conflicts.countLogged(run.conflicts());
        for (String[] counted : run.counted()) {
            Meters.counter(metrics, "edgesync.operations", "table", counted[0], "outcome", counted[1]).increment();
        }
    }

    private static String abbreviate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
