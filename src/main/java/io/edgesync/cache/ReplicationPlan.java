package io.edgesync.cache;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.edgesync.cache.ChangeStreamApplier.ReplicatedChange;
import io.edgesync.cache.ChangeStreamApplier.ReplicationOutcome;

/**
 * What a batch of the change stream does to the records it locked, decided in memory from their states: change by
 * change in stream order, with the rules {@link ChangeStreamApplier#applyReplicatedChanges} documents, each change
 * seeing the record as the changes before it in the batch left it. A record changed several times in the batch is
 * written once, in its final state; every version a change wrote is still kept as a merge base where its table keeps
 * versions.
 *
 * <p> Whether a change is the outcome of an older write of this edge's devices than the one a record holds is told by
 * CUD event ids: the change's ({@link ReplicatedChange#ownEvent}) and the record's ({@link State#ownEvent}), which is
 * the last write of this edge's devices whenever present. No other table is read.
 */
final class ReplicationPlan {

    /**
     * A record's state: its version, the master position of the last central change applied to or confirmed on it,
     * whether it is a tombstone, and the CUD event of this edge that wrote the version (empty when the version came
     * from central).
     */
    record State(String version, long masterSeq, boolean deleted, Optional<UUID> ownEvent) {

        /** The same version, confirmed at {@code position}. */
        State confirmedAt(long position) {
            return new State(version, position, deleted, ownEvent);
        }
    }

    /**
     * A record to write: the last change applied to it, and what the changes before it left.
     *
     * @param exists whether the record existed when the batch locked it (an update), or is inserted
     */
    record Write(String table, String id, ReplicatedChange last, long masterSeq, Optional<Instant> createdAt,
            boolean exists) {
    }

    /** A record whose changes were all confirmations: only its master position moves. */
    record Confirm(String table, String id, long masterSeq) {
    }

    private final List<ReplicationOutcome> outcomes;
    private final Map<String, Write> writes = new LinkedHashMap<>();
    private final Map<String, Confirm> confirms = new LinkedHashMap<>();
    private final List<RecordVersions.Kept> kept = new ArrayList<>();
    private final Map<String, Map<String, ColumnType>> addedColumns = new LinkedHashMap<>();
    private final Map<String, Long> stamps = new HashMap<>();
    private final Map<String, Long> lastStamps = new HashMap<>();

    /**
     * What a plan is made from.
     *
     * @param tables the table key of each change, by index
     * @param newColumns the columns each change adds to its table, by index
     * @param indexes the changes to decide, in stream order
     * @param locked the locked records' states by {@link RecordStore#recordKey}; absent records do not exist yet
     */
    record Input(List<ReplicatedChange> changes, List<String> tables, List<Map<String, ColumnType>> newColumns,
            List<Integer> indexes, Map<String, State> locked) {
    }

    private final Input input;

    private ReplicationPlan(Input input) {
        this.input = input;
        this.outcomes = new ArrayList<>(Collections.nCopies(input.changes().size(), ReplicationOutcome.CONFIRMED));
    }

    /** The plan of a batch. */
    static ReplicationPlan decide(Input input) {
        List<ReplicatedChange> changes = input.changes();
        List<String> tables = input.tables();
        Map<String, State> locked = input.locked();
        ReplicationPlan plan = new ReplicationPlan(input);
        Map<String, State> states = new HashMap<>(locked);
        for (int i : input.indexes()) {
            ReplicatedChange change = changes.get(i);
            String table = tables.get(i);
            String key = RecordStore.recordKey(table, change.id());
            State state = states.get(key);
            ReplicationOutcome outcome;
            if (state != null && (state.masterSeq() > change.masterSeq() || (state.masterSeq() == change.masterSeq()
                    && !(change.leaving() && state.version().equals(change.version()))))) {
                // (a change leaving the scope at the record's own position and version is the edge's sweep of a scope
                // that no longer holds the record: it applies)
                outcome = ReplicationOutcome.STALE;
            } else if (change.leaving()) {
                outcome = plan.leaving(key, table, change, state, states);
            } else if (state != null && (state.version().equals(change.version()) || isOlderOwnWrite(change, state))) {
                // The echo of this edge's write, or of an older write of this edge's devices while the cache holds a
                // later one still on its way through central: applying it would take devices back in time until that
                // one comes back too.
                outcome = ReplicationOutcome.CONFIRMED;
                states.put(key, state.confirmedAt(change.masterSeq()));
                plan.confirmed(key, table, change);
            } else {
                outcome = ReplicationOutcome.APPLIED;
                states.put(key, new State(change.version(), change.masterSeq(), change.deleted(), Optional.empty()));
                plan.applied(key, table, change, input.newColumns().get(i), locked.containsKey(key));
            }
            plan.outcomes.set(i, outcome);
        }
        return plan;
    }

    /**
     * A change out of this edge's scope: a record held live becomes a local tombstone, unless the change is the echo of
     * an older write of this edge's devices (the later one decides when it comes back); a record not held, or held as a
     * tombstone, stays as it is (its master position moves).
     */
    private ReplicationOutcome leaving(String key, String table, ReplicatedChange change, State state,
            Map<String, State> states) {
        if (state == null) {
            return ReplicationOutcome.OUT_OF_SCOPE;
        }
        if (state.deleted()) {
            if (state.masterSeq() < change.masterSeq()) {
                states.put(key, state.confirmedAt(change.masterSeq()));
                confirmed(key, table, change);
            }
            return ReplicationOutcome.OUT_OF_SCOPE;
        }
        if (!state.version().equals(change.version()) && isOlderOwnWrite(change, state)) {
            states.put(key, state.confirmedAt(change.masterSeq()));
            confirmed(key, table, change);
            return ReplicationOutcome.CONFIRMED;
        }
        states.put(key, new State(change.version(), change.masterSeq(), true, Optional.empty()));
        applied(key, table, change.asLocalTombstone(), Map.of(), input.locked().containsKey(key));
        return ReplicationOutcome.LEFT;
    }

    /**
     * Whether {@code change} is what central decided of an older write of this edge's devices than the one the record
     * holds: the record's version was written here (its event is the last write of this edge's devices: every later one
     * replaces it, every change from central clears it), and the change was published for another event of this edge.
     * The later write's outcome follows on the stream, whatever central decides of it. (The outcome of the held write
     * itself, when central decided another version, applies.)
     */
    private static boolean isOlderOwnWrite(ReplicatedChange change, State state) {
        return state.ownEvent().isPresent() && change.ownEvent().isPresent()
                && !change.ownEvent().equals(state.ownEvent());
    }

    private void confirmed(String key, String table, ReplicatedChange change) {
        Write write = writes.get(key);
        if (write != null) {
            writes.put(key, new Write(table, change.id(), write.last(), change.masterSeq(), write.createdAt(),
                    write.exists()));
        } else {
            confirms.put(key, new Confirm(table, change.id(), change.masterSeq()));
        }
    }

    private void applied(String key, String table, ReplicatedChange change, Map<String, ColumnType> columns,
            boolean exists) {
        Write earlier = writes.get(key);
        Optional<Instant> createdAt = change.createdAt().isPresent() || earlier == null
                ? change.createdAt()
                : earlier.createdAt();
        confirms.remove(key);
        writes.put(key, new Write(table, change.id(), change, change.masterSeq(), createdAt, exists));
        if (change.keepVersion()) {
            kept.add(new RecordVersions.Kept(table, change.id(), change.version(), change.data()));
        }
        if (!columns.isEmpty()) {
            addedColumns.computeIfAbsent(table, t -> new LinkedHashMap<>()).putAll(columns);
        }
    }

    /** The outcome of every change of the batch, by index (changes not decided here count as confirmed echoes). */
    List<ReplicationOutcome> outcomes() {
        return outcomes;
    }

    /** The records to write, once each, in the order of their first applied change. */
    List<Write> writes() {
        return List.copyOf(writes.values());
    }

    /** The records whose master position only moves. */
    List<Confirm> confirms() {
        return List.copyOf(confirms.values());
    }

    /** The versions to keep as merge bases. */
    List<RecordVersions.Kept> kept() {
        return kept;
    }

    /** The columns the applied changes add, by table key. */
    Map<String, Map<String, ColumnType>> addedColumns() {
        return addedColumns;
    }

    /**
     * Gives each record written the next of its table's consecutive stamps, in the order of {@link #writes()}.
     *
     * @param firstStamps the first stamp drawn for each table
     */
    ReplicationPlan stamped(Map<String, Long> firstStamps) {
        stamps.clear();
        lastStamps.clear();
        Map<String, Long> next = new HashMap<>(firstStamps);
        for (Write write : writes.values()) {
            long stamp = next.merge(write.table(), 1L, Long::sum) - 1;
            stamps.put(RecordStore.recordKey(write.table(), write.id()), stamp);
            lastStamps.put(write.table(), stamp);
        }
        return this;
    }

    /** The stamp of a record written ({@link #stamped}). */
    long stampOf(Write write) {
        return stamps.get(RecordStore.recordKey(write.table(), write.id()));
    }

    /** The newest stamp written to each table. */
    Map<String, Long> lastStamps() {
        return lastStamps;
    }

    /** How many records of each table are written: the stamps the batch draws. */
    Map<String, Integer> writesPerTable() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        writes.values().forEach(write -> counts.merge(write.table(), 1, Integer::sum));
        return counts;
    }
}
