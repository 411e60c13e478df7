package io.edgesync.cache;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
public class ChangeStreamApplier {

    private final Pool pool;
    private final RecordStore store;
    private final TableCatalog catalog;
    private final VisibilityHorizon horizon;

    public ChangeStreamApplier(Pool pool, RecordStore store, TableCatalog catalog, VisibilityHorizon horizon) {
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
        STALE,
        /**
         * The change took a record this edge held out of its scope: the row became a tombstone here only (its devices
         * pull it as deleted; it is not a change to send anywhere).
         */
        LEFT,
        /** A change out of this edge's scope of a record it does not hold (or holds as a tombstone): nothing to do. */
        OUT_OF_SCOPE
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
     * @param leaving whether the change takes the record out of this edge's scope: where the edge holds it, it becomes
     *     a local tombstone ({@link ReplicationOutcome#LEFT}); nothing is inserted for a record the edge does not hold
     * @param ownEvent the CUD event of this edge that central published this change for (a write of one of its devices,
     *     whatever central decided of it); empty for a change made elsewhere, or when the publisher did not say
     */
    public record ReplicatedChange(String table, String id, ObjectNode data, String version, boolean deleted,
            long masterSeq, Optional<String> owner, Optional<Instant> createdAt, Optional<Instant> changeMadeAt,
            boolean keepVersion, boolean leaving, Optional<UUID> ownEvent) {

        public ReplicatedChange {
            ownEvent = Objects.requireNonNullElse(ownEvent, Optional.empty());
        }

        /** A change within this edge's scope. */
        public ReplicatedChange(String table, String id, ObjectNode data, String version, boolean deleted,
                long masterSeq, Optional<String> owner, Optional<Instant> createdAt, Optional<Instant> changeMadeAt,
                boolean keepVersion) {
            this(table, id, data, version, deleted, masterSeq, owner, createdAt, changeMadeAt, keepVersion, false,
                    Optional.empty());
        }

        /** A change whose creation and change times are not known: a new row takes its local stamp's. */
        public ReplicatedChange(String table, String id, ObjectNode data, String version, boolean deleted,
                long masterSeq, Optional<String> owner) {
            this(table, id, data, version, deleted, masterSeq, owner, Optional.empty(), Optional.empty(), false);
        }

        /** The same change taking the record out of this edge's scope. */
        public ReplicatedChange outOfScope() {
            return new ReplicatedChange(table, id, data, version, deleted, masterSeq, owner, createdAt, changeMadeAt,
                    false, true, ownEvent);
        }

        /** The same change, published for {@code event}, a CUD event of this edge. */
        public ReplicatedChange publishedFor(UUID event) {
            return new ReplicatedChange(table, id, data, version, deleted, masterSeq, owner, createdAt, changeMadeAt,
                    keepVersion, leaving, Optional.of(event));
        }

        /** What a leaving change writes where the edge holds the record: the change's state as a tombstone. */
        ReplicatedChange asLocalTombstone() {
            return new ReplicatedChange(table, id, data, version, true, masterSeq, owner, createdAt, changeMadeAt,
                    false, true, ownEvent);
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
        return resolve(changes).chain(batch -> {
            // The echoes of this edge's own writes (the most common change an edge gets back) are confirmed by one
            // short statement, so they do not hold their records for the batch's transaction. (Not a change leaving
            // the scope: the edge holds that version, and it goes.)
            List<Integer> staying = IntStream.range(0, changes.size())
                    .filter(i -> !changes.get(i).leaving())
                    .boxed()
                    .toList();
            return store.confirmEchoes(staying.stream().map(batch.keys()::get).toList(),
                    staying.stream().map(i -> changes.get(i).masterSeq()).toList())
                    .chain(confirmed -> {
                        List<Integer> rest = new ArrayList<>();
                        for (int i = 0; i < changes.size(); i++) {
                            String[] key = batch.keys().get(i);
                            if (changes.get(i).leaving()
                                    || !confirmed.contains(RecordStore.versionKey(key[0], key[1], key[2]))) {
                                rest.add(i);
                            }
                        }
                        if (rest.isEmpty()) {
                            return Uni.createFrom()
                                    .item(Collections.nCopies(changes.size(), ReplicationOutcome.CONFIRMED));
                        }
                        return Transactions.retryingDeadlocks(
                                () -> Transactions.inTransaction(pool,
                                        (tx, commit) -> applyInTransaction(tx, commit, batch, rest)))
                                .map(plan -> {
                                    committed(batch, plan);
                                    return plan.outcomes();
                                });
                    });
        });
    }

    /**
     * Applies changes of the change stream in the caller's transaction (which commits or rolls back), echoes included;
     * for tests that hold a replicated write uncommitted.
     */
    Uni<List<ReplicationOutcome>> applyReplicatedChanges(SqlConnection tx, List<ReplicatedChange> changes) {
        return resolve(changes)
                .chain(batch -> applyInTransaction(tx, Transactions.Commit.BY_CALLER, batch,
                        IntStream.range(0, changes.size()).boxed().toList()))
                .map(ReplicationPlan::outcomes);
    }

    /**
     * A batch of changes with what the catalog knows of their tables.
     *
     * @param keys {table key, record id, version} of each change
     * @param newColumns the columns each change adds to its table
     */
    private record Batch(List<ReplicatedChange> changes, List<TableInfo> tables, Map<String, TableInfo> byName,
            List<String[]> keys, List<Map<String, ColumnType>> newColumns) {

        List<String> tableKeys() {
            return keys.stream().map(key -> key[0]).toList();
        }
    }

    private Uni<Batch> resolve(List<ReplicatedChange> changes) {
        List<String> names = changes.stream().map(ReplicatedChange::table).distinct().toList();
        return Multi.createFrom()
                .iterable(names)
                .onItem()
                .transformToUniAndConcatenate(name -> catalog.findTable(name)
                        .map(found -> found.orElseGet(() -> TableInfo.notYetCreated(name))))
                .collect()
                .asList()
                .map(tables -> {
                    Map<String, TableInfo> byName = new HashMap<>();
                    for (int i = 0; i < tables.size(); i++) {
                        byName.put(names.get(i), tables.get(i));
                    }
                    List<String[]> keys = changes.stream()
                            .map(change -> new String[]{byName.get(change.table()).name(), change.id(),
                                    change.version()})
                            .toList();
                    List<Map<String, ColumnType>> newColumns = changes.stream()
                            .map(change -> newColumnsOf(byName.get(change.table()), change.data()))
                            .toList();
                    return new Batch(changes, tables, byName, keys, newColumns);
                });
    }

    /**
     * Applies the changes at {@code indexes} with a constant number of statements: their records are locked and read,
     * the batch is decided in memory ({@link ReplicationPlan}), and everything it decided is written by one statement,
     * which {@code commit} sends the COMMIT with. The other changes count as confirmed echoes.
     */
    private Uni<ReplicationPlan> applyInTransaction(SqlConnection tx, Transactions.Commit commit, Batch batch,
            List<Integer> indexes) {
        List<String> tableKeys = batch.tableKeys();
        Map<String, String[]> records = new LinkedHashMap<>();
        indexes.forEach(i -> records.putIfAbsent(RecordStore.recordKey(tableKeys.get(i), batch.keys().get(i)[1]),
                new String[]{tableKeys.get(i), batch.keys().get(i)[1]}));
        return Multi.createFrom()
                .iterable(batch.tables())
                .onItem()
                .transformToUniAndConcatenate(table -> catalog.createTable(tx, table))
                .collect()
                .asList()
                .chain(persisted -> store.lockMasterStates(tx, List.copyOf(records.values())))
                .chain(locked -> {
                    ReplicationPlan plan = ReplicationPlan.decide(new ReplicationPlan.Input(batch.changes(),
                            tableKeys, batch.newColumns(), indexes, locked));
                    return store.drawStamps(tx, plan.writesPerTable())
                            .chain(firstStamps -> commit.with(store.writeReplicated(tx, plan.stamped(firstStamps))))
                            .replaceWith(plan);
                });
    }

    /** What a committed batch tells the rest of the edge: the tables' newest stamps and the columns it added. */
    private void committed(Batch batch, ReplicationPlan plan) {
        plan.lastStamps().forEach(horizon::committed);
        List<ReplicationOutcome> outcomes = plan.outcomes();
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) == ReplicationOutcome.APPLIED && !batch.newColumns().get(i).isEmpty()) {
                catalog.rememberColumns(batch.byName().get(batch.changes().get(i).table()),
                        batch.newColumns().get(i));
            }
        }
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
