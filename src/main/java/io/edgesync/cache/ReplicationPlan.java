package io.edgesync.cache;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.edgesync.cache.ChangeStreamApplier.ReplicatedChange;
import io.edgesync.cache.ChangeStreamApplier.ReplicationOutcome;

/**
 * What a batch of the change stream does to the records it locked, decided in memory from their states: change by
 * change in stream order, with the rules {@link ChangeStreamApplier#applyReplicatedChanges} documents, each change
 * seeing the record as the changes before it in the batch left it. A record changed several times in the batch is
 * written once, in its final state; every version a change wrote is still kept as a merge base where its table keeps
 * versions.
 *
 * <p> Whether an echo is the older of two writes of this edge's devices needs their CUD events: a first plan, made
 * without them, tells which records ask ({@link #ownWritesToLookUp()}); the plan made again with those events
 * ({@link #withOwnWrites}) is final.
 */
final class ReplicationPlan {

    /**
     * A record's state: its version, the master position of the last central change applied to or confirmed on it, and
     * whether it is a tombstone.
     */
    record State(String version, long masterSeq, boolean deleted) {
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
    private final Set<String> asked = new LinkedHashSet<>();
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

    /**
     * The first plan of a batch, made without this edge's CUD events: final when {@link #ownWritesToLookUp} is empty.
     */
    static ReplicationPlan decide(Input input) {
        return decide(input, Optional.empty());
    }

    /**
     * The final plan, made with the newest CUD event of this edge for each {@link RecordStore#versionKey} the first
     * plan asked for.
     */
    ReplicationPlan withOwnWrites(Map<String, Long> ownWrites) {
        return decide(input, Optional.of(ownWrites));
    }

    private static ReplicationPlan decide(Input input, Optional<Map<String, Long>> ownWrites) {
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
                outcome = plan.leaving(key, table, change, state, states, ownWrites);
            } else if (state != null && (state.version().equals(change.version())
                    || plan.isOlderOwnWrite(key, table, change, state, ownWrites))) {
                // The echo of this edge's write, or of an older write of this edge's devices while the cache holds a
                // later one still on its way through central: applying it would take devices back in time until that
                // one comes back too.
                outcome = ReplicationOutcome.CONFIRMED;
                states.put(key, new State(state.version(), change.masterSeq(), state.deleted()));
                plan.confirmed(key, table, change);
            } else {
                outcome = ReplicationOutcome.APPLIED;
                states.put(key, new State(change.version(), change.masterSeq(), change.deleted()));
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
            Map<String, State> states, Optional<Map<String, Long>> ownWrites) {
        if (state == null) {
            return ReplicationOutcome.OUT_OF_SCOPE;
        }
        if (state.deleted()) {
            if (state.masterSeq() < change.masterSeq()) {
                states.put(key, new State(state.version(), change.masterSeq(), true));
                confirmed(key, table, change);
            }
            return ReplicationOutcome.OUT_OF_SCOPE;
        }
        if (!state.version().equals(change.version()) && isOlderOwnWrite(key, table, change, state, ownWrites)) {
            states.put(key, new State(state.version(), change.masterSeq(), false));
            confirmed(key, table, change);
            return ReplicationOutcome.CONFIRMED;
        }
        states.put(key, new State(change.version(), change.masterSeq(), true));
        applied(key, table, change.asLocalTombstone(), Map.of(), input.locked().containsKey(key));
        return ReplicationOutcome.LEFT;
    }

    private boolean isOlderOwnWrite(String key, String table, ReplicatedChange change, State state,
            Optional<Map<String, Long>> ownWrites) {
        if (ownWrites.isEmpty()) {
            asked.add(key);
            return false;
        }
        Long echoed = ownWrites.get().get(RecordStore.versionKey(table, change.id(), change.version()));
        Long current = ownWrites.get().get(RecordStore.versionKey(table, change.id(), state.version()));
        return echoed != null && current != null && echoed < current;
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

    /**
     * The versions whose CUD events the plan needs to be final: every version the batch and the lock saw of each record
     * that asked whether an echo is an older write of this edge's devices. Empty: this plan is final.
     *
     * @return {table key, record id, version} each
     */
    List<String[]> ownWritesToLookUp() {
        List<ReplicatedChange> changes = input.changes();
        List<String> tables = input.tables();
        Map<String, State> locked = input.locked();
        Set<String> seen = new LinkedHashSet<>();
        List<String[]> versions = new ArrayList<>();
        for (int i : input.indexes()) {
            String key = RecordStore.recordKey(tables.get(i), changes.get(i).id());
            if (!asked.contains(key)) {
                continue;
            }
            List<String> candidates = new ArrayList<>();
            candidates.add(changes.get(i).version());
            if (locked.containsKey(key)) {
                candidates.add(locked.get(key).version());
            }
            for (String version : candidates) {
                if (seen.add(RecordStore.versionKey(tables.get(i), changes.get(i).id(), version))) {
                    versions.add(new String[]{tables.get(i), changes.get(i).id(), version});
                }
            }
        }
        return versions;
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
