package io.edgesync.events;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.edgesync.cache.ChangeStreamApplier;
import io.edgesync.cache.TableCatalog;
import io.edgesync.common.Meters;
import io.edgesync.conflict.ConflictPolicies;
import io.edgesync.scope.EdgeScopes;
import io.edgesync.scope.EdgeUsers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Applies the central service's change stream to this edge's cache, so a change made through any edge reaches the
 * devices of every edge through their normal pulls and notifications.
 *
 * <p> Consecutive changes of a partition go through {@link ChangeStreamApplier#applyReplicatedChanges} in one
 * transaction; each is idempotent and ordered by its master position. That includes the echo of an older write of this
 * edge's own devices while the cache already holds a later one of them (a device changed the record twice before the
 * first change came back): applying it would take the cache back to the older state until the later change comes back
 * too, and a device that changes the record in between would be told its (current) version is stale. So such an echo
 * only records its master position; the later write's own change follows on the stream, whatever central makes of it.
 *
 * <p> A Kafka tombstone (null value: central purged a deleted row) deletes nothing: the edge keeps its tombstone row
 * until its own purge, because devices that have not pulled since the delete still need to see it.
 */
@ApplicationScoped
public class EdgeChangeConsumer {

    /**
     * Changes per transaction: bounds how long a batch holds the records it changes (device writes to them wait) and
     * the size of its statements, which stays constant in number whatever the batch's size.
     */
    public static final int BATCH_SIZE = 50;

    private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);

    private final ChangeStreamApplier records;
    private final ConflictPolicies policies;
    private final EdgeScopes scopes;
    private final EdgeUsers users;
    private final String ownSource;
    private final Timer appliedLatency;
    private final Timer confirmedLatency;
    /** Changes consumed, by outcome (a Kafka tombstone apart). */
    private final Map<ChangeStreamApplier.ReplicationOutcome, Counter> consumed = new EnumMap<>(
            ChangeStreamApplier.ReplicationOutcome.class);
    private final Counter consumedTombstones;

    public EdgeChangeConsumer(ChangeStreamApplier records, ConflictPolicies policies, EdgeScopes scopes,
            EdgeUsers users, EdgeIdentity identity, MeterRegistry metrics) {
        this.users = users;
        this.records = records;
        this.policies = policies;
        this.scopes = scopes;
        this.ownSource = identity.eventSource();
        // (looked up once: every change of the stream records into one of them)
        this.appliedLatency = Meters.timer(metrics, "edgesync.changes.propagation", "outcome", "applied");
        this.confirmedLatency = Meters.timer(metrics, "edgesync.changes.propagation", "outcome", "confirmed");
        for (ChangeStreamApplier.ReplicationOutcome outcome : ChangeStreamApplier.ReplicationOutcome.values()) {
            consumed.put(outcome, Meters.counter(metrics, "edgesync.changes.consumed", "outcome",
                    outcome.name().toLowerCase(Locale.ROOT).replace('_', '-')));
        }
        this.consumedTombstones = Meters.counter(metrics, "edgesync.changes.consumed", "outcome", "tombstone");
    }

    /**
     * Applies records of the change stream (of one or more partitions, each in order) in one transaction; blocks until
     * it committed. Counts each change by outcome: {@code applied}, {@code confirmed}, {@code stale},
     * {@code tombstone}, {@code left} (it took a row this edge held out of its scope) or {@code out-of-scope} (a change
     * of a row outside the scope, most of them skipped without reading the cache).
     */
    public void handleAll(List<ConsumerRecord<String, String>> batch,
            BiConsumer<ConsumerRecord<String, String>, EventFormatException> invalid) {
        List<ChangeStreamApplier.ReplicatedChange> changes = new ArrayList<>(batch.size());
        List<Instant> origins = new ArrayList<>(batch.size());
        for (ConsumerRecord<String, String> record : batch) {
            if (record.value() == null) {
                consumedTombstones.increment();
                continue;
            }
            try {
                ChangeEvent change = decode(record.value());
                ChangeStreamApplier.ReplicatedChange replicated = new ChangeStreamApplier.ReplicatedChange(
                        change.table(), change.id(), change.userColumns(), change.version(), change.deleted(),
                        change.masterSeq(), change.owner(), change.createdAt(), change.changeMadeAt(),
                        policies.keepsVersions(change.table()));
                boolean ownWrite = change.origin().map(ownSource::equals).orElse(false);
                if (ownWrite && change.eventId().isPresent()) {
                    // (what central decided of a write of this edge's devices: its event tells whether it is the
                    // write the cache holds or an older one)
                    replicated = replicated.publishedFor(change.eventId().get());
                }
                EdgeScopes.Scope scope = scopes.of(change.table());
                if (scope instanceof EdgeScopes.Owners && !users.holds(change.owner(), DB_TIMEOUT)
                        && !ownWrite) {
                    // a row of a user who has not come to this edge (a row's owner never changes)
                    consumed.get(ChangeStreamApplier.ReplicationOutcome.OUT_OF_SCOPE).increment();
                    continue;
                }
                if (scope instanceof EdgeScopes.Filter filter
                        && !filter.matches(change.id(), replicated.data())) {
                    if (!mayHoldBefore(change, filter)) {
                        consumed.get(ChangeStreamApplier.ReplicationOutcome.OUT_OF_SCOPE).increment();
                        continue;
                    }
                    replicated = replicated.outOfScope();
                }
                changes.add(replicated);
                // (when the edge where the change was made wrote it: where its propagation starts; a publication of
                // an older central has only the change's stamp, which runs ahead of the clock under heavy writes)
                origins.add(change.originTime()
                        .or(() -> Items.instant(change.item(), Items.UPDATED_AT))
                        .orElse(change.time()));
            } catch (EventFormatException e) {
                invalid.accept(record, e);
            }
        }
        if (changes.isEmpty()) {
            return;
        }
        List<ChangeStreamApplier.ReplicationOutcome> outcomes = records.applyReplicatedChanges(changes)
                .await()
                .atMost(DB_TIMEOUT);
        Instant applied = Instant.now();
        for (int i = 0; i < outcomes.size(); i++) {
            ChangeStreamApplier.ReplicationOutcome decided = outcomes.get(i);
            consumed.get(decided).increment();
            // (a change that took a row out of the scope reached this edge's devices as a deletion; one outside the
            // scope reached none of them)
            if (decided != ChangeStreamApplier.ReplicationOutcome.STALE
                    && decided != ChangeStreamApplier.ReplicationOutcome.OUT_OF_SCOPE) {
                Duration took = Duration.between(origins.get(i), applied);
                (decided == ChangeStreamApplier.ReplicationOutcome.CONFIRMED ? confirmedLatency : appliedLatency)
                        .record(took.isNegative() ? Duration.ZERO : took);
            }
        }
    }

    /**
     * Whether this edge may hold the record of a change that does not match its scope: when one of its own devices made
     * the change (the edge wrote it, whatever its scope), or when the record matched before the change. A change that
     * does not say where it comes from or what the record was counts as held: the cache decides.
     */
    private boolean mayHoldBefore(ChangeEvent change, EdgeScopes.Filter filter) {
        if (change.origin().map(ownSource::equals).orElse(true)) {
            return true;
        }
        return change.previous()
                .map(previous -> previous.columnsBefore(change.userColumns())
                        .map(before -> filter.matches(change.id(), before))
                        .orElse(false))
                .orElse(true);
    }

    private static ChangeEvent decode(String value) {
        ChangeEvent change = EventCodec.decodeChange(value);
        if (!TableCatalog.TABLE_NAME.matcher(change.table()).matches()) {
            throw new EventFormatException("Invalid table name in change of " + change.key());
        }
        return change;
    }
}
