package io.edgesync.sync;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ProtocolDates;
import io.edgesync.cache.RecordOperation;
import io.edgesync.cache.RecordStore;
import io.edgesync.cache.StoredRecord;
import io.edgesync.cache.TableInfo;
import io.edgesync.cache.WriteOutcome;
import io.edgesync.conflict.Conflict;
import io.edgesync.conflict.ConflictDecision;
import io.edgesync.conflict.ConflictLog;
import io.edgesync.conflict.ConflictPolicies;

/**
 * Decides, without any I/O, what each operation of a batch does to the records it targets: the precondition, the
 * table's conflict policy and the row states they lead to. The batch's records were read and locked before; each
 * operation sees them as the batch's earlier operations left them, so a batch that inserts, updates and deletes one
 * record does so in order.
 *
 * <p> A change that writes is a {@link RecordWrite}: the row state it leaves, a new version, and its place among the
 * batch's changes of its table, which becomes its stamp once the stamps are drawn (after this plan, before the write).
 */
final class WritePlanner {

    /**
     * A row state one operation writes.
     *
     * @param ordinal the change's place among the batch's changes of its table: its stamp is the table's first drawn
     *     stamp + ordinal
     * @param createdAt the row's creation time when it is older than the batch; empty when the row is created by the
     *     change of ordinal {@code createdByOrdinal} of this batch
     * @param newRow whether the row did not exist when the batch locked its records (the batch inserts it)
     * @param replacedVersion the version this change replaced, if any (the base of its CUD event)
     */
    record RecordWrite(TableInfo table, String id, ObjectNode data, boolean deleted, String version, int ordinal,
            Optional<Instant> createdAt, int createdByOrdinal, boolean newRow, Optional<String> owner,
            String operation, Optional<String> replacedVersion) {

        /** The row as it is after this change, once the stamps are known. */
        StoredRecord record(long stamp, long creationStamp) {
            Instant updated = Instant.ofEpochMilli(stamp);
            return new StoredRecord(id, data, createdAt.orElse(Instant.ofEpochMilli(creationStamp)), updated,
                    version, deleted, stamp, owner);
        }
    }

    /**
     * What one operation does.
     *
     * @param outcome the outcome, for operations that do not write (an applied write's outcome is made once its stamp
     *     is known)
     * @param write the row state it writes
     * @param created whether its write brings a record to life
     * @param conflictDecision the policy's decision when it was applied despite a conflict
     * @param conflict the conflict log entry, when it met one
     */
    record Decision(Optional<WriteOutcome> outcome, Optional<RecordWrite> write, boolean created,
            Optional<String> conflictDecision, Optional<ConflictLog.Entry> conflict) {

        static Decision of(WriteOutcome outcome) {
            return new Decision(Optional.of(outcome), Optional.empty(), false, Optional.empty(), Optional.empty());
        }

        Decision withConflict(ConflictLog.Entry entry) {
            return new Decision(outcome, write, created, conflictDecision, Optional.of(entry));
        }
    }

    /** What the batch knows of a record: its row (as locked, then as written by the batch), and where it came from. */
    private record Known(Optional<StoredRecord> row, boolean existedBefore, int createdByOrdinal) {
    }

    private final ConflictPolicies policies;
    private final ObjectMapper json;
    private final Map<String, Known> records = new HashMap<>();
    private final Map<String, ObjectNode> bases;
    private final Map<String, Integer> writesPerTable = new HashMap<>();

    /**
     * @param locked every record the batch targets, by {@link RecordStore#recordKey}: its row, or empty when it did not
     *     exist when the batch locked its records
     * @param bases the columns of records at versions the batch's operations are based on, by {@link #baseKey}
     */
    WritePlanner(ConflictPolicies policies, ObjectMapper json, Map<String, Optional<StoredRecord>> locked,
            Map<String, ObjectNode> bases) {
        this.policies = policies;
        this.json = json;
        locked.forEach((key, row) -> records.put(key, new Known(row, row.isPresent(), -1)));
        this.bases = new HashMap<>(bases);
    }

    /** The key of a record's columns at a version. */
    static String baseKey(String table, String id, String version) {
        return RecordStore.versionKey(table, id, version);
    }

    /** How many changes the batch writes to each table (the stamps to draw). */
    Map<String, Integer> writesPerTable() {
        return writesPerTable;
    }

    /** Decides one operation, after the batch's earlier ones. */
    Decision decide(TableInfo table, RecordOperation operation) {
        String key = RecordStore.recordKey(table.name(), operation.id());
        Known known = records.getOrDefault(key, new Known(Optional.empty(), false, -1));
        Optional<StoredRecord> current = known.row();
        if (current.isPresent() && !operation.context().scope().includes(current.get().owner())) {
            // Another user's row: it does not exist for this caller.
            return Decision.of(operation instanceof RecordOperation.Insert
                    ? new WriteOutcome.IdTaken()
                    : new WriteOutcome.NotFound());
        }
        if (operation instanceof RecordOperation.Insert insert) {
            return insert(table, insert, known);
        }
        if (current.isEmpty()) {
            return Decision.of(new WriteOutcome.NotFound());
        }
        StoredRecord record = current.get();
        if (operation instanceof RecordOperation.Update update) {
            return update(table, update, known, record);
        }
        if (operation instanceof RecordOperation.Delete delete) {
            if (record.deleted()) {
                return Decision.of(deletedOutcome(table, record));
            }
            if (!delete.precondition().test(record)) {
                ConflictResolution resolution = conflict(table, operation, record, Conflict.Kind.STALE_VERSION,
                        Optional.empty(), false);
                return resolution.decision() instanceof ConflictDecision.KeepServer
                        ? Decision.of(new WriteOutcome.PreconditionFailed(record)).withConflict(resolution.entry())
                        : write(table, operation, known, record.data(), true, false,
                                Optional.of(resolution.decision().label())).withConflict(resolution.entry());
            }
            return write(table, operation, known, record.data(), true, false, Optional.empty());
        }
        RecordOperation.Undelete undelete = (RecordOperation.Undelete) operation;
        if (!table.softDelete() || (record.deleted() && record.columnsPurged())) {
            // (an id-only tombstone has no columns left to bring back)
            return Decision.of(new WriteOutcome.NotFound());
        }
        if (!undelete.precondition().test(record)) {
            return Decision.of(new WriteOutcome.PreconditionFailed(record));
        }
        if (!record.deleted()) {
            return Decision.of(new WriteOutcome.Applied(record, false));
        }
        return write(table, operation, known, record.data(), false, false, Optional.empty());
    }

    private Decision insert(TableInfo table, RecordOperation.Insert insert, Known known) {
        if (known.row().isEmpty()) {
            return write(table, insert, known, insert.data(), false, true, Optional.empty());
        }
        StoredRecord existing = known.row().get();
        if (existing.deleted() && !table.softDelete()) {
            // A table without soft delete: the tombstone only tells pullers about the delete; the id is free again.
            return write(table, insert, known, insert.data(), false, true, Optional.empty());
        }
        ConflictResolution resolution = conflict(table, insert, existing, Conflict.Kind.ALREADY_EXISTS,
                Optional.of(insert.data()), false);
        if (resolution.decision() instanceof ConflictDecision.KeepServer) {
            return Decision.of(new WriteOutcome.AlreadyExists(existing)).withConflict(resolution.entry());
        }
        ObjectNode data = resolution.decision() instanceof ConflictDecision.ApplyMerged merged
                ? merged.data()
                : insert.data();
        return write(table, insert, known, data, false, false, Optional.of(resolution.decision().label()))
                .withConflict(resolution.entry());
    }

    private Decision update(TableInfo table, RecordOperation.Update update, Known known, StoredRecord record) {
        if (record.deleted() && record.columnsPurged() && update.allowDeleted()) {
            // An id-only tombstone: its columns are gone, so an update of the deleted record cannot bring them back.
            return Decision.of(new WriteOutcome.NotFound());
        }
        if (record.deleted() && !(update.allowDeleted() && table.softDelete())) {
            if (!update.context().deletedIsConflict() || !table.softDelete()) {
                return Decision.of(deletedOutcome(table, record));
            }
            // The device changed a record the server deleted: the policy decides whether it comes back.
            ConflictResolution resolution = conflict(table, update, record, Conflict.Kind.DELETED_ON_SERVER,
                    Optional.of(update.data()), update.merge());
            return resolution.decision() instanceof ConflictDecision.KeepServer
                    ? Decision.of(new WriteOutcome.Deleted(record)).withConflict(resolution.entry())
                    : write(table, update, known, updatedData(update, record, resolution.decision()), false, false,
                            Optional.of(resolution.decision().label())).withConflict(resolution.entry());
        }
        if (!update.precondition().test(record)) {
            ConflictResolution resolution = conflict(table, update, record, Conflict.Kind.STALE_VERSION,
                    Optional.of(update.data()), update.merge());
            return resolution.decision() instanceof ConflictDecision.KeepServer
                    ? Decision.of(new WriteOutcome.PreconditionFailed(record)).withConflict(resolution.entry())
                    : write(table, update, known, updatedData(update, record, resolution.decision()),
                            record.deleted(), false, Optional.of(resolution.decision().label()))
                            .withConflict(resolution.entry());
        }
        return write(table, update, known, updatedData(update, record, ConflictDecision.APPLY_CLIENT),
                record.deleted(), false, Optional.empty());
    }

    private static ObjectNode updatedData(RecordOperation.Update update, StoredRecord record,
            ConflictDecision decision) {
        if (decision instanceof ConflictDecision.ApplyMerged merged) {
            return merged.data();
        }
        return update.merge() ? record.data().deepCopy().setAll(update.data()) : update.data();
    }

    /**
     * A change that writes a new row state.
     *
     * @param creates whether it brings the record to life (a new row, or a hard-delete tombstone reused)
     */
    private Decision write(TableInfo table, RecordOperation operation, Known known, ObjectNode data, boolean deleted,
            boolean creates, Optional<String> conflictDecision) {
        int ordinal = writesPerTable.merge(table.name(), 1, Integer::sum) - 1;
        Optional<StoredRecord> before = known.row();
        Optional<Instant> createdAt;
        int createdBy;
        if (creates) {
            createdAt = Optional.empty();
            createdBy = ordinal;
        } else if (known.createdByOrdinal() >= 0) {
            createdAt = Optional.empty();
            createdBy = known.createdByOrdinal();
        } else {
            createdAt = before.map(StoredRecord::createdAt);
            createdBy = -1;
        }
        Optional<String> owner = before.isPresent()
                ? before.get().owner()
                : operation.context().scope().ownerOfNewRows();
        String version = newVersion();
        // The CUD event's base is the version this change replaced here (the device's own base only when nothing was
        // replaced): central applies an event whose base is the master's version.
        Optional<String> replaced = before.map(StoredRecord::version).or(() -> operation.context().baseVersion());
        RecordWrite write = new RecordWrite(table, operation.id(), data, deleted, version, ordinal, createdAt,
                createdBy, !known.existedBefore(), owner, operation.kind(), replaced);
        // What later operations of the batch see: the new state, stamped provisionally with the time of planning.
        Instant now = Instant.now();
        StoredRecord provisional = new StoredRecord(operation.id(), data, createdAt.orElse(now), now, version,
                deleted, -1, owner);
        records.put(RecordStore.recordKey(table.name(), operation.id()),
                new Known(Optional.of(provisional), known.existedBefore(), createdBy));
        bases.put(baseKey(table.name(), operation.id(), version), data);
        return new Decision(Optional.empty(), Optional.of(write), creates, conflictDecision, Optional.empty());
    }

    private record ConflictResolution(ConflictDecision decision, ConflictLog.Entry entry) {
    }

    /** Asks the table's policy, and makes the log entry with both sides and the decision. */
    private ConflictResolution conflict(TableInfo table, RecordOperation operation, StoredRecord server,
            Conflict.Kind kind, Optional<ObjectNode> clientData, boolean partial) {
        ConflictPolicies.NamedPolicy policy = policies.forTable(table.name());
        Optional<ObjectNode> base = operation.context()
                .baseVersion()
                .map(version -> bases.get(baseKey(table.name(), operation.id(), version)));
        boolean deletes = operation instanceof RecordOperation.Delete;
        Conflict conflict = new Conflict(table.name(), kind, clientData, deletes, partial,
                operation.context().clientUpdatedAt(), server, base);
        ConflictDecision decision = policy.policy().resolve(conflict);
        Optional<ObjectNode> result = Optional.of(resultColumns(decision, server, clientData, deletes, partial));
        ObjectNode client = clientItem(operation, clientData);
        if (policy.policy().needsBase() && base.isEmpty()) {
            // The policy decided without the record at the device's base version (unknown, or no longer kept):
            // say so, since the decision then could not tell which side changed which column.
            client.put("baseMissing", true);
        }
        ConflictLog.Entry entry = new ConflictLog.Entry("edge", table.name(), operation.id(),
                operation.context().deviceId(), operation.context().operationId(), policy.name(), decision.label(),
                operation.context().baseVersion(), Optional.of(client), Optional.of(ConflictLog.serverItem(server)),
                result);
        return new ConflictResolution(decision, entry);
    }

    /**
     * The columns the record has after the decision, for the conflict log: the server's when it stays (or when the
     * device's delete wins: a tombstone keeps them), the device's when its change wins (over the server's when it sent
     * only the columns it changed), the merge's.
     */
    private static ObjectNode resultColumns(ConflictDecision decision, StoredRecord server,
            Optional<ObjectNode> clientData, boolean deletes, boolean partial) {
        if (decision instanceof ConflictDecision.ApplyMerged merged) {
            return merged.data();
        }
        if (decision instanceof ConflictDecision.KeepServer || deletes || clientData.isEmpty()) {
            return server.data();
        }
        if (!partial) {
            return clientData.get();
        }
        ObjectNode columns = server.data().deepCopy();
        columns.setAll(clientData.get());
        return columns;
    }

    private ObjectNode clientItem(RecordOperation operation, Optional<ObjectNode> clientData) {
        ObjectNode item = json.createObjectNode();
        item.put("id", operation.id());
        item.put("operation", operation.kind());
        clientData.ifPresent(data -> item.set("data", data));
        // (when the device says it made the change: what last-writer-wins compares, logged to explain its decision)
        operation.context()
                .clientUpdatedAt()
                .ifPresent(time -> item.put("clientUpdatedAt", ProtocolDates.format(time)));
        return item;
    }

    /** On a table without soft delete a tombstone is invisible: the record simply does not exist. */
    private static WriteOutcome deletedOutcome(TableInfo table, StoredRecord record) {
        return table.softDelete() ? new WriteOutcome.Deleted(record) : new WriteOutcome.NotFound();
    }

    /** Versions are random (16 bytes, base64): unique across edges and the central service, opaque to clients. */
    static String newVersion() {
        UUID random = UUID.randomUUID();
        byte[] bytes = new byte[16];
        long high = random.getMostSignificantBits();
        long low = random.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (high >>> (56 - 8 * i));
            bytes[8 + i] = (byte) (low >>> (56 - 8 * i));
        }
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** Every row state the plan writes, in order. */
    static List<RecordWrite> writes(List<Decision> decisions) {
        List<RecordWrite> writes = new ArrayList<>();
        decisions.forEach(decision -> decision.write().ifPresent(writes::add));
        return writes;
    }
}
