package io.edgesync.events;

import java.time.Duration;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.edgesync.cache.RecordService;
import io.edgesync.cache.TableCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Applies the central service's change stream to this edge's cache, so a change made through any edge reaches the
 * devices of every edge through their normal pulls and notifications.
 *
 * <p> Each change goes through {@link RecordService#applyReplicatedChange}, which is idempotent and ordered by the
 * change's master position. One case is settled here first: the echo of an older write of this edge's own devices while
 * the cache already holds a later one of them (a device changed the record twice before the first change came back).
 * Applying it would take the cache back to the older state until the later change comes back too, and a device that
 * changes the record in between would be told its (current) version is stale. So such an echo only records its master
 * position; the later write's own change follows on the stream, whatever central makes of it.
 *
 * <p> A Kafka tombstone (null value: central purged a deleted row) deletes nothing: the edge keeps its tombstone row
 * until its own purge, because devices that have not pulled since the delete still need to see it.
 */
@ApplicationScoped
public class EdgeChangeConsumer {

    private static final Duration DB_TIMEOUT = Duration.ofSeconds(30);

    /** Confirms an echo of an older own write when the cache holds a later own write; returns a row when it did. */
    private static final String CONFIRM_OLDER_OWN_ECHO = """
            UPDATE sync_record r SET master_seq = $3
            WHERE r.table_name = $1 AND r.id = $2 AND r.master_seq < $3 AND r.version <> $4
              AND EXISTS (
                  SELECT 1 FROM outbox_event echo
                  WHERE echo.table_name = $1 AND echo.record_id = $2 AND echo.new_version = $4
                    AND echo.id < (SELECT max(own.id) FROM outbox_event own
                                   WHERE own.table_name = $1 AND own.record_id = $2 AND own.new_version = r.version))
            RETURNING r.version""";

    private final RecordService records;
    private final Pool pool;
    private final MeterRegistry metrics;

    public EdgeChangeConsumer(RecordService records, Pool pool, MeterRegistry metrics) {
        this.records = records;
        this.pool = pool;
        this.metrics = metrics;
    }

    /** Handles one record of the change stream; blocks until its effect is committed. */
    public void handle(ConsumerRecord<String, String> record) {
        String outcome = applyChange(record.value()).await().atMost(DB_TIMEOUT);
        metrics.counter("edgesync.changes.consumed", "outcome", outcome).increment();
    }

    /**
     * Applies one change-stream value.
     *
     * @return {@code applied}, {@code confirmed}, {@code stale} or {@code tombstone}
     * @throws EventFormatException when the value is not a change event
     */
    public Uni<String> applyChange(String value) {
        if (value == null) {
            return Uni.createFrom().item("tombstone");
        }
        ChangeEvent change = EventCodec.decodeChange(value);
        if (!TableCatalog.TABLE_NAME.matcher(change.table()).matches()) {
            throw new EventFormatException("Invalid table name in change of " + change.key());
        }
        return pool.preparedQuery(CONFIRM_OLDER_OWN_ECHO)
                .execute(Tuple.of(change.table(), change.id(), change.masterSeq(), change.version()))
                .chain(confirmed -> confirmed.rowCount() > 0
                        ? Uni.createFrom().item("confirmed")
                        : records.applyReplicatedChange(change.table(), change.id(), change.userColumns(),
                                change.version(), change.deleted(), change.masterSeq(), change.owner())
                                .map(result -> result.name().toLowerCase(Locale.ROOT)));
    }
}
