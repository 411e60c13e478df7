package io.edgesync.sync;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.cache.ConcurrentInsertException;
import io.edgesync.cache.RecordStore;
import io.edgesync.cache.TableCatalog;
import io.edgesync.conflict.ConflictLog;
import io.edgesync.device.DeviceQueue;
import io.edgesync.device.QueuedOperation;
import io.edgesync.events.EdgeOutbox;
import io.edgesync.protocol.odata.SqlParams;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Writes everything a batch of operations decided with one statement, whatever the batch's size: the new row states,
 * their CUD events, the device's queue entries, the conflict log and the columns added to dynamic tables. Each part
 * comes from the owner of its table ({@link RecordStore}, {@link EdgeOutbox}, {@link DeviceQueue}, {@link ConflictLog},
 * {@link TableCatalog}) as a common table expression over arrays; the statement's text is the same for every batch.
 */
@ApplicationScoped
class ChangeWriter {

    /**
     * What one transaction writes.
     *
     * @param newRows rows that did not exist when the batch locked its records
     * @param changedRows new states of rows the batch locked
     * @param queued entries appended to the device's queue
     * @param requeued entries whose outcome changed (a retried parked operation)
     * @param addedColumns per table, the columns writes add (JSON as in {@code sync_table.columns})
     */
    record Batch(List<RecordStore.RowWrite> newRows, List<RecordStore.RowWrite> changedRows,
            List<EdgeOutbox.Event> events, List<QueuedOperation> queued, List<QueuedOperation> requeued,
            List<ConflictLog.Entry> conflicts, Map<String, String> addedColumns) {
    }

    private static final String COUNTS = """
            SELECT (SELECT count(*) FROM new_rows) AS inserted, (SELECT count(*) FROM changed_rows) AS changed""";

    /** Writes the batch; fails with {@link ConcurrentInsertException} when a new row was inserted meanwhile. */
    Uni<Void> write(SqlClient tx, Batch batch) {
        SqlParams params = new SqlParams();
        String sql = "WITH " + String.join(",\n",
                RecordStore.insertRowsCte(params, batch.newRows()),
                RecordStore.updateRowsCte(params, batch.changedRows()),
                EdgeOutbox.appendCte(params, batch.events()),
                DeviceQueue.appendCte(params, batch.queued()),
                DeviceQueue.updateCte(params, batch.requeued()),
                ConflictLog.appendCte(params, batch.conflicts()),
                TableCatalog.addColumnsCte(params, batch.addedColumns()))
                + "\n" + COUNTS;
        return tx.preparedQuery(sql)
                .execute(Tuple.tuple(params.values()))
                .map(rows -> {
                    Row counts = rows.iterator().next();
                    if (counts.getLong("inserted") != batch.newRows().size()) {
                        throw new ConcurrentInsertException("A record of the batch was inserted concurrently");
                    }
                    if (counts.getLong("changed") != batch.changedRows().size()) {
                        throw new IllegalStateException("A locked record vanished while the batch ran");
                    }
                    return null;
                });
    }
}
