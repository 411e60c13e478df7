package io.edgesync.cache;

import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.protocol.odata.ColumnType;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * Applies create/update/delete operations to the edge cache, each in one transaction: lock the record, check what the
 * operation requires, write the new state with a fresh version and stamp.
 */
@ApplicationScoped
public class RecordService {

    private final Pool pool;
    private final RecordStore store;
    private final TableCatalog catalog;

    public RecordService(Pool pool, RecordStore store, TableCatalog catalog) {
        this.pool = pool;
        this.store = store;
        this.catalog = catalog;
    }

    /** Applies one operation in its own transaction. */
    public Uni<WriteOutcome> applyOperation(TableInfo table, RecordOperation operation) {
        return pool.withTransaction(tx -> applyOperation(tx, table, operation))
                .invoke(outcome -> {
                    if (outcome instanceof WriteOutcome.Applied && !operation.newColumns().isEmpty()) {
                        catalog.rememberColumns(table, operation.newColumns());
                    }
                });
    }

    /** Applies one operation inside the caller's transaction. */
    public Uni<WriteOutcome> applyOperation(SqlConnection tx, TableInfo table, RecordOperation operation) {
        return catalog.createTable(tx, table)
                .chain(persisted -> store.lockRecord(tx, persisted, operation.id())
                        .chain(current -> decide(tx, persisted, operation, current)));
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
            if (record.deleted() && !(update.allowDeleted() && table.softDelete())) {
                return outcome(deletedOutcome(table, record));
            }
            if (!update.precondition().test(record)) {
                return outcome(new WriteOutcome.PreconditionFailed(record));
            }
            ObjectNode data = update.merge() ? record.data().deepCopy().setAll(update.data()) : update.data();
            return store.updateRecord(tx, table, record.id(), data, record.deleted(), false, update.newColumns())
                    .map(updated -> new WriteOutcome.Applied(updated, false));
        }
        if (operation instanceof RecordOperation.Delete delete) {
            if (record.deleted()) {
                return outcome(deletedOutcome(table, record));
            }
            if (!delete.precondition().test(record)) {
                return outcome(new WriteOutcome.PreconditionFailed(record));
            }
            return store.updateRecord(tx, table, record.id(), record.data(), true, false, Map.of())
                    .map(deleted -> new WriteOutcome.Applied(deleted, false));
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
        return store.updateRecord(tx, table, record.id(), record.data(), false, false, Map.of())
                .map(restored -> new WriteOutcome.Applied(restored, false));
    }

    private Uni<WriteOutcome> insert(SqlConnection tx, TableInfo table, RecordOperation.Insert insert,
            Optional<StoredRecord> current) {
        Map<String, ColumnType> newColumns = insert.newColumns();
        if (current.isPresent()) {
            StoredRecord existing = current.get();
            if (existing.deleted() && !table.softDelete()) {
                // A table without soft delete: the tombstone only tells pullers about the delete; the id is free.
                return store.updateRecord(tx, table, existing.id(), insert.data(), false, true, newColumns)
                        .map(recreated -> new WriteOutcome.Applied(recreated, true));
            }
            return outcome(new WriteOutcome.AlreadyExists(existing));
        }
        return store.insertRecord(tx, table, insert.id(), insert.data(), newColumns)
                .chain(inserted -> inserted.isPresent()
                        ? outcome(new WriteOutcome.Applied(inserted.get(), true))
                        // A concurrent insert of the same id committed first: answer with its row.
                        : store.lockRecord(tx, table, insert.id())
                                .map(winner -> winner.<WriteOutcome>map(WriteOutcome.AlreadyExists::new)
                                        .orElseGet(WriteOutcome.NotFound::new)));
    }

    /** On a table without soft delete a tombstone is invisible: the record simply does not exist. */
    private static WriteOutcome deletedOutcome(TableInfo table, StoredRecord record) {
        return table.softDelete() ? new WriteOutcome.Deleted(record) : new WriteOutcome.NotFound();
    }

    private static Uni<WriteOutcome> outcome(WriteOutcome outcome) {
        return Uni.createFrom().item(outcome);
    }
}
