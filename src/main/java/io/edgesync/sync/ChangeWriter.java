package io.edgesync.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ConcurrentInsertException;
import io.edgesync.cache.RecordStore;
import io.edgesync.cache.RecordVersions;
import io.edgesync.cache.RowScope;
import io.edgesync.cache.StoredRecord;
import io.edgesync.cache.TableCatalog;
import io.edgesync.cache.TableInfo;
import io.edgesync.cache.Transactions;
import io.edgesync.conflict.ConflictLog;
import io.edgesync.device.DeviceQueue;
import io.edgesync.device.QueuedOperation;
import io.edgesync.events.EdgeOutbox;
import io.edgesync.odata.SqlParams;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
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

    private final ObjectMapper json;
    private final ConcurrentMap<String, String> singleWriteStatements = new ConcurrentHashMap<>();

    ChangeWriter(ObjectMapper json) {
        this.json = json;
    }

    /**
     * What one transaction writes.
     *
     * @param newRows rows that did not exist when the batch locked its records
     * @param changedRows new states of rows the batch locked
     * @param queued entries appended to the device's queue
     * @param requeued entries whose outcome changed (a retried parked operation)
     * @param addedColumns per table, the columns writes add (JSON as in {@code sync_table.columns})
     * @param keptVersions the versions written on tables that keep them (merge bases)
     */
    record Batch(List<RecordStore.RowWrite> newRows, List<RecordStore.RowWrite> changedRows,
            List<EdgeOutbox.Event> events, List<QueuedOperation> queued, List<QueuedOperation> requeued,
            List<ConflictLog.Entry> conflicts, Map<String, String> addedColumns,
            List<RecordVersions.Kept> keptVersions) {
    }

    /**
     * One table-protocol write that can be made without reading the record first: an insert, or an update or delete
     * whose precondition is at most "the record has this version".
     *
     * @param kind insert, update or delete
     * @param data the columns to store (an update that merges: the columns to merge in)
     * @param version the new version
     * @param requiredVersion the version the record must have, if any
     * @param scope whose rows the caller may change; it owns what it inserts
     * @param addedColumns the columns the write adds to the table, as {@code sync_table.columns} JSON; empty when it
     *     adds none
     * @param device the device whose queue records the write, with the answer to store
     * @param keepVersion whether the table keeps its records' versions (merge bases)
     */
    record Single(TableInfo table, String kind, String id, ObjectNode data, boolean merge, String version,
            Optional<String> requiredVersion, Optional<String> baseVersion, RowScope scope,
            Optional<String> addedColumns, String operationId, Optional<QueuedDevice> device, boolean keepVersion) {
    }

    /** The device of a single write and what its queue entry stores. */
    record QueuedDevice(String deviceId, Optional<String> clientVersion, String protocol, Optional<String> user,
            Optional<ObjectNode> item, ObjectNode answer) {
    }

    /**
     * Makes a single write with one statement, committed on its own (one round trip): the device's row and queue
     * position, the stamp, the record, its CUD event, the queue entry and new columns. When the record is not as the
     * write expects (an insert of an existing id, a changed version, a deleted or another user's record, a device of
     * another user), the statement changes nothing and the answer is empty: the caller then applies the write the
     * general way, which decides what that means.
     */
    Uni<Optional<StoredRecord>> writeSingle(Pool pool, Single write) {
        SqlParams params = new SqlParams();
        String table = params.add(write.table().name());
        String id = params.add(write.id());
        String version = params.add(write.version());
        String kind = params.add(write.kind());
        Optional<List<String>> device = write.device()
                .map(queued -> List.of(params.add(queued.deviceId()),
                        params.add(queued.clientVersion().orElse(null)), params.add(queued.protocol()),
                        params.add(queued.user().orElse(null))));
        boolean insert = write.kind().equals(WriteRequest.INSERT);
        String data;
        String owner;
        String required;
        String inScope;
        Optional<String> merge;
        if (insert) {
            data = params.add(write.data().toString());
            owner = params.add(write.scope().ownerOfNewRows().orElse(null));
            required = null;
            inScope = null;
            merge = Optional.empty();
        } else {
            owner = null;
            required = params.add(write.requiredVersion().orElse(null));
            inScope = write.scope().condition("c.owner_id", params);
            data = write.kind().equals(WriteRequest.DELETE) ? null : params.add(write.data().toString());
            merge = Optional.ofNullable(data).map(d -> params.add(write.merge()));
        }
        String base = params.add(write.baseVersion().orElse(null));
        String operationId = params.add(write.operationId());
        String queueDevice = params.add(write.device().map(QueuedDevice::deviceId).orElse(null));
        String item = params.add(write.device().flatMap(QueuedDevice::item).map(ObjectNode::toString).orElse(null));
        String answer = params.add(write.device().map(queued -> queued.answer().toString()).orElse(null));
        Optional<String> addedColumns = write.addedColumns().map(params::add);
        // The text depends only on the write's shape (the placeholders are numbered in the same order every time):
        // built once per shape, so that a write does not format a statement of several kilobytes anew. A write that
        // adds no columns, or of a table that keeps no versions, does not name sync_table or record_version at all:
        // every table a statement names is locked, opened with its indexes and set up on each execution.
        String shape = device.isPresent() + "|" + write.kind() + "|" + inScope + "|" + (data != null) + "|"
                + merge.isPresent() + "|" + addedColumns.isPresent() + "|" + write.keepVersion();
        String sql = singleWriteStatements.computeIfAbsent(shape, key -> {
            String deviceCte = device
                    .map(ph -> "device_row AS (" + DeviceQueue.register(ph.get(0), ph.get(1), ph.get(2), ph.get(3),
                            "1") + ")")
                    .orElse("device_row AS (SELECT 0::bigint AS next_seq)");
            String written = insert
                    ? RecordStore.insertOneCtes("device_row", table, id, data, version, owner)
                    : RecordStore.updateOneCtes("device_row", table, id, required, inScope,
                            Optional.ofNullable(data), merge, version);
            List<String> ctes = new ArrayList<>(List.of(
                    EdgeOutbox.appendWrittenCte("written", kind, base, queueDevice, operationId),
                    DeviceQueue.appendWrittenCte("written", "device_row", kind, base, queueDevice, operationId,
                            item, answer)));
            addedColumns.ifPresent(columns -> ctes.add(TableCatalog.addWrittenColumnsCte("written", table, columns)));
            if (write.keepVersion()) {
                ctes.add(RecordVersions.keepWrittenCte("kept_versions", "written"));
            }
            String tail = String.join(",\n", ctes)
                    + """

                            SELECT es_require((SELECT count(*) FROM written) = 1) AS as_expected, %s
                            FROM (SELECT 1) one LEFT JOIN written r ON TRUE""".formatted(RecordStore.SELECT_COLUMNS);
            return "WITH " + deviceCte + ",\n" + written + ",\n" + tail;
        });
        return pool.preparedQuery(sql)
                .execute(Tuple.tuple(params.values()))
                .map(rows -> Optional.of(RecordStore.toStoredRecord(rows.iterator().next(), json)))
                .onFailure(Transactions::failedItsCheck)
                .recoverWithItem(Optional.empty());
    }

    /**
     * Writes the batch. The statement itself checks that it inserted every new row and changed every locked one, so
     * that the transaction's COMMIT can travel with it (nothing is decided after its answer); a new row inserted
     * meanwhile fails it with {@link ConcurrentInsertException}, and the transaction runs again.
     */
    Uni<Void> write(SqlClient tx, Batch batch) {
        SqlParams params = new SqlParams();
        String sql = "WITH " + String.join(",\n",
                RecordStore.insertRowsCte(params, batch.newRows()),
                RecordStore.updateRowsCte(params, batch.changedRows()),
                EdgeOutbox.appendCte(params, batch.events()),
                DeviceQueue.appendCte(params, batch.queued()),
                DeviceQueue.updateCte(params, batch.requeued()),
                ConflictLog.appendCte(params, batch.conflicts()),
                TableCatalog.addColumnsCte(params, batch.addedColumns()),
                RecordVersions.appendCte(params, batch.keptVersions()))
                + "\nSELECT es_require((SELECT count(*) FROM new_rows) = %s AND (SELECT count(*) FROM changed_rows) = %s)"
                        .formatted(params.add((long) batch.newRows().size()),
                                params.add((long) batch.changedRows().size()));
        return tx.preparedQuery(sql)
                .execute(Tuple.tuple(params.values()))
                .replaceWithVoid()
                .onFailure(Transactions::failedItsCheck)
                .transform(failure -> new ConcurrentInsertException(
                        "A record of the batch was inserted concurrently (or a locked one vanished)"));
    }
}
