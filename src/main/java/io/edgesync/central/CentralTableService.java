package io.edgesync.central;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

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
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * The central table service: applies the CUD events of every edge to the master rows, once each and in the order of
 * their record, and announces every resulting row state on the change stream.
 *
 * <p> Each event, in a transaction of its own or of a batch of its partition: it records the event id (a copy of a
 * processed event stops here), locks the record, arbitrates ({@link CentralArbiter}), writes the master row with the
 * table's next master position, logs a conflict with both sides, and queues the change-stream message (and the conflict
 * message) in the central outbox. The outbox relay publishes them after the commit, so a crash between commit and
 * publication loses nothing.
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
     * Processes consecutive CUD events of one partition, in order, in one transaction: one commit for all of them, and
     * all or none of their effects. A transaction PostgreSQL rolls back as a deadlock victim runs again.
     */
    public Uni<List<Outcome>> processEvents(List<CudEvent> events) {
        return Transactions.retryingDeadlocks(() -> pool.withTransaction(tx -> Multi.createFrom()
                .iterable(events)
                .onItem()
                .transformToUniAndConcatenate(event -> process(tx, event))
                .collect()
                .asList()))
                .invoke(outcomes -> {
                    for (int i = 0; i < outcomes.size(); i++) {
                        Meters.counter(metrics, "edgesync.central.events", "table", events.get(i).data().table(),
                                "outcome",
                                outcomes.get(i).name().toLowerCase(Locale.ROOT)).increment();
                    }
                });
    }

    private Uni<Outcome> process(SqlConnection tx, CudEvent event) {
        return store.lockKeyAndRecordEvent(tx, event)
                .chain(first -> first
                        ? arbitrateAndStore(tx, event)
                        : Uni.createFrom().item(Outcome.DUPLICATE));
    }

    private Uni<Outcome> arbitrateAndStore(SqlConnection tx, CudEvent event) {
        String table = event.data().table();
        String id = event.data().id();
        ConflictPolicies.NamedPolicy policy = policies.forTable(table);
        return store.lockMaster(tx, table, id)
                .chain(master -> {
                    Uni<Optional<ObjectNode>> base = CentralArbiter.needsBase(event, master, policy)
                            ? findBase(tx, table, id, event.data().baseVersion().get())
                            : Uni.createFrom().item(Optional.empty());
                    return base.chain(baseData -> {
                        Arbitration arbitration = CentralArbiter.arbitrate(event, master, policy, baseData,
                                Versions::random);
                        boolean baseMissing = policy.policy().needsBase() && baseData.isEmpty();
                        return store(tx, event, master, arbitration, baseMissing, policy.policy().needsBase());
                    });
                });
    }

    /** The record's user columns at {@code version}, while it is kept. */
    private Uni<Optional<ObjectNode>> findBase(SqlConnection tx, String table, String id, String version) {
        return versions.find(tx, List.<String[]>of(new String[]{table, id, version}))
                .map(found -> Optional.ofNullable(found.get(RecordStore.versionKey(table, id, version))));
    }

    private Uni<Outcome> store(SqlConnection tx, CudEvent event, Optional<MasterRecord> master,
            Arbitration arbitration, boolean baseMissing, boolean keepVersion) {
        if (arbitration instanceof Arbitration.AlreadyApplied) {
            return store.finishEvent(tx, event.id(), "already-applied", Optional.empty(), Optional.empty())
                    .replaceWith(Outcome.ALREADY_APPLIED);
        }
        String table = event.data().table();
        String id = event.data().id();
        MasterRecord.RowState next = arbitration instanceof Arbitration.Applied applied
                ? applied.next()
                : ((Arbitration.Conflicted) arbitration).next();
        return store.nextMasterSeq(tx, table)
                .chain(seq -> {
                    Instant now = Instant.now();
                    ObjectNode item = next.item(id);
                    Uni<Void> written = store.writeMaster(tx, table, id, next, seq, Optional.of(event.id()),
                            event.data().owner())
                            .call(owner -> keepVersion
                                    ? versions.keep(tx, new RecordVersions.Kept(table, id, next.version(), next.data()))
                                    : Uni.createFrom().voidItem())
                            .chain(owner -> store.appendOutbox(tx, CentralStore.CHANGES, table, id,
                                    Optional.of(next.version()), EventCodec.encodeChange(new ChangeEvent(table, id,
                                            item, next.version(), next.deleted(), seq, Optional.of(event.id()), now,
                                            owner, next.clientUpdatedAt()))));
                    if (arbitration instanceof Arbitration.Conflicted conflicted) {
                        MasterRecord before = master.orElseThrow();
                        ConflictEvent message = new ConflictEvent(table, id, now, conflicted.kindLabel(),
                                conflicted.policy(), conflicted.decision().label(), conflicted.loser(), event,
                                before.item(), item, seq);
                        return written
                                .chain(() -> conflicts.logConflict(tx,
                                        logEntry(event, conflicted, before, item, baseMissing)))
                                .chain(() -> store.appendOutbox(tx, CentralStore.CONFLICTS, table, id,
                                        Optional.empty(), EventCodec.encodeConflict(message)))
                                .chain(() -> store.finishEvent(tx, event.id(), "conflict",
                                        Optional.of(conflicted.decision().label()), Optional.of(seq)))
                                .replaceWith(Outcome.CONFLICT);
                    }
                    return written
                            .chain(() -> store.finishEvent(tx, event.id(), "applied", Optional.empty(),
                                    Optional.of(seq)))
                            .replaceWith(Outcome.APPLIED);
                });
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
        return pool.withTransaction(tx -> store.purgeTombstones(tx, cutoff, 1000))
                .chain(purged -> purged < 1000
                        ? Uni.createFrom().item(purged)
                        : purgeTombstones(retention).map(more -> purged + more));
    }
}
