package io.edgesync.central;

import java.time.Duration;
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

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ProtocolDates;
import io.edgesync.cache.RecordStore;
import io.edgesync.cache.RecordVersions;
import io.edgesync.cache.Transactions;
import io.edgesync.common.Meters;
import io.edgesync.conflict.Conflict;
import io.edgesync.conflict.ConflictLog;
import io.edgesync.conflict.ConflictPolicies;
import io.edgesync.events.ChangeEvent;
import io.edgesync.events.ConflictEvent;
import io.edgesync.events.CudEvent;
import io.edgesync.events.EventCodec;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * The central table service: applies the CUD events of every edge to the master rows, once each and in the order of
 * their record, and announces every resulting row state on the change stream.
 *
 * <p> A batch of events (of one or more partitions, each partition's in order), in one transaction: it records the
 * event ids (a copy of a processed event stops there), locks the records, arbitrates each event in order
 * ({@link CentralArbiter}), and writes the master rows with their new master positions, the conflicts with both sides,
 * and the change-stream messages (and conflict messages) in the central outbox, set-based. The outbox relay publishes
 * them after the commit, so a crash between commit and publication loses nothing.
 */
@ApplicationScoped
public class CentralTableService {

    /** What became of one CUD event. */
    public enum Outcome {
        /** It became the master row. */
        APPLIED,
        /** It clashed with the master row and the table's policy decided. */
        CONFLICT,
        /** The master already had its version. */
        ALREADY_APPLIED,
        /** Its id was processed before: a redelivered copy, dropped. */
        DUPLICATE
    }

    private final Pool pool;
    private final CentralStore store;
    private final ConflictPolicies policies;
    private final ConflictLog conflicts;
    private final RecordVersions versions;
    private final MeterRegistry metrics;

    public CentralTableService(Pool pool, CentralStore store, ConflictPolicies policies, ConflictLog conflicts,
            RecordVersions versions,
            MeterRegistry metrics) {
        this.pool = pool;
        this.store = store;
        this.policies = policies;
        this.conflicts = conflicts;
        this.versions = versions;
        this.metrics = metrics;
    }

    /**
     * Processes CUD events in their order (a record's events are in one partition, in order), in one transaction: one
     * commit for all of them, and all or none of their effects, with a constant number of statements whatever the
     * batch's size: record the events (dropping copies) under locks of their records, lock the master rows, take master
     * positions, look up merge bases, then write everything decided in one statement. Arbitration runs in memory, event
     * after event, each seeing the master row as the events before it left it. A transaction PostgreSQL rolls back as a
     * deadlock victim runs again.
     */
    public Uni<List<Outcome>> processEvents(List<CudEvent> events) {
        return Transactions.retryingDeadlocks(() -> Transactions.inTransaction(pool,
                (tx, commit) -> process(tx, commit, events)))
                .invoke(batch -> conflicts.countLogged(batch.conflicts()))
                .map(Batch::outcomes)
                .invoke(outcomes -> {
                    for (int i = 0; i < outcomes.size(); i++) {
                        Meters.counter(metrics, "edgesync.central.events", "table", events.get(i).data().table(),
                                "outcome",
                                outcomes.get(i).name().toLowerCase(Locale.ROOT)).increment();
                    }
                });
    }

    /** What one batch decided: an outcome per event, in order, and the conflicts it logged. */
    private record Batch(List<Outcome> outcomes, List<ConflictLog.Entry> conflicts) {
    }

    /** Processes the events in {@code tx}; {@code commit} sends the COMMIT with the batch's write. */
    private Uni<Batch> process(SqlConnection tx, Transactions.Commit commit, List<CudEvent> events) {
        return store.lockKeysAndRecordEvents(tx, events).chain(recorded -> {
            // A copy of an event processed before, or a second copy within the batch, is a duplicate.
            Set<UUID> fresh = new HashSet<>(recorded);
            List<CudEvent> toApply = new ArrayList<>();
            List<Boolean> duplicate = new ArrayList<>();
            for (CudEvent event : events) {
                boolean first = fresh.remove(event.id());
                duplicate.add(!first);
                if (first) {
                    toApply.add(event);
                }
            }
            if (toApply.isEmpty()) {
                return Uni.createFrom()
                        .item(new Batch(duplicate.stream().map(d -> Outcome.DUPLICATE).toList(), List.of()));
            }
            return Uni.combine()
                    .all()
                    .unis(store.lockMasters(tx, toApply), store.nextMasterSeqs(tx, toApply.size()),
                            versions.find(tx, baseKeys(toApply)))
                    .asTuple()
                    .chain(locked -> {
                        Decisions decisions = decide(toApply, locked.getItem1(), locked.getItem2(),
                                locked.getItem3());
                        List<Outcome> outcomes = new ArrayList<>();
                        int next = 0;
                        for (boolean copy : duplicate) {
                            outcomes.add(copy ? Outcome.DUPLICATE : decisions.outcomes().get(next++));
                        }
                        return commit.with(store.writeBatch(tx, new ArrayList<>(decisions.masters().values()),
                                decisions.messages(), decisions.conflicts(), decisions.kept(),
                                decisions.eventOutcomes()))
                                .replaceWith(new Batch(outcomes, decisions.conflicts()));
                    });
        });
    }

    /** The versions the events of merge tables are based on: the bases their conflicts may need. */
    private List<String[]> baseKeys(List<CudEvent> events) {
        List<String[]> keys = new ArrayList<>();
        for (CudEvent event : events) {
            if (event.data().baseVersion().isPresent()
                    && policies.keepsVersions(event.data().table())) {
                keys.add(new String[]{event.data().table(), event.data().id(), event.data().baseVersion().get()});
            }
        }
        return keys;
    }

    /** Everything a batch decided, to be written in one statement. */
    private record Decisions(List<Outcome> outcomes, Map<String, CentralStore.MasterWrite> masters,
            List<CentralStore.OutboxMessage> messages, List<ConflictLog.Entry> conflicts,
            List<RecordVersions.Kept> kept, List<CentralStore.EventOutcome> eventOutcomes) {
    }

    /**
     * Arbitrates the events in order, each against the master row as the events before it left it.
     *
     * @param masters the locked master rows, by key
     * @param seqs master positions, at least one per event, increasing
     * @param bases the stored merge bases, by {@link RecordStore#versionKey}
     */
    private Decisions decide(List<CudEvent> events, Map<String, MasterRecord> masters, long[] seqs,
            Map<String, ObjectNode> bases) {
        Map<String, MasterRecord> current = new HashMap<>(masters);
        Map<String, ObjectNode> versionsSeen = new HashMap<>(bases);
        Decisions decided = new Decisions(new ArrayList<>(), new LinkedHashMap<>(), new ArrayList<>(),
                new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        int nextSeq = 0;
        Instant now = Instant.now();
        for (CudEvent event : events) {
            String table = event.data().table();
            String id = event.data().id();
            ConflictPolicies.NamedPolicy policy = policies.forTable(table);
            boolean keepVersions = policy.policy().needsBase();
            Optional<MasterRecord> master = Optional.ofNullable(current.get(event.key()));
            Optional<ObjectNode> base = CentralArbiter.needsBase(event, master, policy)
                    ? Optional.ofNullable(versionsSeen.get(
                            RecordStore.versionKey(table, id, event.data().baseVersion().get())))
                    : Optional.empty();
            Arbitration arbitration = CentralArbiter.arbitrate(event, master, policy, base, Versions::random);
            if (arbitration instanceof Arbitration.AlreadyApplied) {
                decided.outcomes().add(Outcome.ALREADY_APPLIED);
                decided.eventOutcomes()
                        .add(new CentralStore.EventOutcome(event.id(), "already-applied",
                                Optional.empty(), Optional.empty()));
                continue;
            }
            MasterRecord.RowState next = arbitration instanceof Arbitration.Applied applied
                    ? applied.next()
                    : ((Arbitration.Conflicted) arbitration).next();
            long seq = seqs[nextSeq++];
            // The owner of an id is decided once, by the first event of it central applies.
            Optional<String> owner = master.isPresent() ? master.get().owner() : event.data().owner();
            current.put(event.key(), new MasterRecord(table, id, next, seq, owner));
            decided.masters().put(event.key(), new CentralStore.MasterWrite(table, id, next, seq, event.id(), owner));
            ObjectNode item = next.item(id);
            decided.messages()
                    .add(new CentralStore.OutboxMessage(CentralStore.CHANGES, table, id,
                            Optional.of(next.version()), EventCodec.encodeChange(new ChangeEvent(table, id, item,
                                    next.version(), next.deleted(), seq, Optional.of(event.id()), now, owner,
                                    next.clientUpdatedAt(), Optional.of(event.time()), Optional.of(event.source()),
                                    Optional.of(master.map(before -> ChangeEvent.Previous
                                            .between(before.state().data(), next.data()))
                                            .orElseGet(ChangeEvent.Previous::none))))));
            if (keepVersions) {
                decided.kept().add(new RecordVersions.Kept(table, id, next.version(), next.data()));
                versionsSeen.put(RecordStore.versionKey(table, id, next.version()), next.data());
            }
            if (arbitration instanceof Arbitration.Conflicted conflicted) {
                MasterRecord before = master.orElseThrow();
                ConflictEvent message = new ConflictEvent(table, id, now, conflicted.kindLabel(),
                        conflicted.policy(), conflicted.decision().label(), conflicted.loser(), event,
                        before.item(), item, seq);
                boolean baseMissing = keepVersions && base.isEmpty();
                decided.conflicts().add(logEntry(event, conflicted, before, item, baseMissing));
                decided.messages()
                        .add(new CentralStore.OutboxMessage(CentralStore.CONFLICTS, table, id,
                                Optional.empty(), EventCodec.encodeConflict(message)));
                decided.outcomes().add(Outcome.CONFLICT);
                decided.eventOutcomes()
                        .add(new CentralStore.EventOutcome(event.id(), "conflict",
                                Optional.of(conflicted.decision().label()), Optional.of(seq)));
            } else {
                decided.outcomes().add(Outcome.APPLIED);
                decided.eventOutcomes()
                        .add(new CentralStore.EventOutcome(event.id(), "applied", Optional.empty(),
                                Optional.of(seq)));
            }
        }
        return decided;
    }

    /**
     * The conflict log's entry: the event (and when its device made the change, if it said so), the master row before
     * (with its own change time), the row after; and whether a merge had to decide without the base.
     */
    private static ConflictLog.Entry logEntry(CudEvent event, Arbitration.Conflicted conflicted, MasterRecord before,
            ObjectNode result, boolean baseMissing) {
        ObjectNode client = JsonNodeFactory.instance.objectNode();
        client.put("eventId", event.id().toString());
        client.put("source", event.source());
        client.put("operation", event.operation());
        client.set("item", event.data().item());
        event.data().clientUpdatedAt().ifPresent(time -> client.put("clientUpdatedAt", ProtocolDates.format(time)));
        if (baseMissing && !conflicted.kind().equals(Conflict.Kind.OTHER_OWNER)) {
            client.put("baseMissing", true);
        }
        return new ConflictLog.Entry("central", event.data().table(), event.data().id(), event.data().deviceId(),
                event.data().operationId(), conflicted.policy(), conflicted.decision().label(),
                event.data().baseVersion(), Optional.of(client),
                Optional.of(ConflictLog.serverItem(before.asStoredRecord())), Optional.of(result));
    }

    /**
     * Purges master tombstones deleted longer ago than {@code retention} and queues a Kafka tombstone (null value) for
     * each on the change stream, in batches.
     *
     * @return how many rows were purged
     */
    public Uni<Integer> purgeTombstones(Duration retention) {
        Instant cutoff = Instant.now().minus(retention);
        return Transactions.inTransaction(pool, tx -> store.purgeTombstones(tx, cutoff, 1000))
                .chain(purged -> purged < 1000
                        ? Uni.createFrom().item(purged)
                        : purgeTombstones(retention).map(more -> purged + more));
    }
}
