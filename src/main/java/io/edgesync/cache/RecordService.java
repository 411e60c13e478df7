package io.edgesync.cache;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.protocol.odata.ColumnType;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * Applies the central service's change stream to the edge cache: idempotently and in order per record, with a new local
 * stamp for every change it writes, so pullers of this edge see it like any other change. Devices' writes go through
 * {@code io.edgesync.sync.WriteService}.
 */
@ApplicationScoped
public class RecordService {

    private final Pool pool;
    private final RecordStore store;
    private final TableCatalog catalog;
    private final VisibilityHorizon horizon;

    public RecordService(Pool pool, RecordStore store, TableCatalog catalog, VisibilityHorizon horizon) {
        this.pool = pool;
        this.horizon = horizon;
        this.store = store;
        this.catalog = catalog;
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

    /**
     * A row state from the central service's change stream.
     *
     * @param createdAt when the record was created, where it was created
     * @param changeMadeAt when the change was made (as its device said, or as its edge stamped it): what
     *     last-writer-wins compares a later change of this edge's devices with
     * @param keepVersion whether to keep the version as a merge base (the table's policy merges)
     */
    public record ReplicatedChange(String table, String id, ObjectNode data, String version, boolean deleted,
            long masterSeq, Optional<String> owner, Optional<Instant> createdAt, Optional<Instant> changeMadeAt,
            boolean keepVersion) {

        /** A change whose creation and change times are not known: a new row takes its local stamp's. */
        public ReplicatedChange(String table, String id, ObjectNode data, String version, boolean deleted,
                long masterSeq, Optional<String> owner) {
            this(table, id, data, version, deleted, masterSeq, owner, Optional.empty(), Optional.empty(), false);
        }
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
                                    masterSeq, newColumns, change.owner(), change.createdAt(), change.changeMadeAt(),
                                    change.keepVersion())
                                    .invoke(written -> stamps.merge(table.name(), written.changeSeq(), Math::max))
                                    .replaceWith(ReplicationOutcome.APPLIED));
                });
    }

    private static Map<String, ColumnType> newColumnsOf(TableInfo table, ObjectNode data) {
        Map<String, ColumnType> added = new LinkedHashMap<>();
        if (table.privateColumns()) {
            return added;
        }
        data.properties().forEach(field -> {
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
}
