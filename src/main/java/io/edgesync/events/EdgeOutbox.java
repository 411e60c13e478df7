package io.edgesync.events;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.odata.SqlParams;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The edge's outbox ({@code outbox_event}): the CUD event of every change a device made, written in the change's own
 * statement by the write path ({@link #appendCte}), published to the CUD topic as CloudEvents.
 */
@ApplicationScoped
public class EdgeOutbox implements OutboxSource {

    /** The outbox's name in metrics, logs and wake-ups. */
    public static final String NAME = "edge";

    private static final OutboxTable TABLE = new OutboxTable("outbox_event", "updated_at");

    /** Advisory lock key of the edge relay ("EDGE-OUT"). */
    private static final long RELAY_LOCK = 0x45444745_2D4F5554L;

    private static final String FETCH = """
            SELECT id, event_id, table_name, record_id, operation, base_version, new_version, data::text AS data,
                   deleted, created_at, updated_at, device_id, operation_id, owner_id, client_updated_at, written_at
            FROM outbox_event
            WHERE sent_at IS NULL
            ORDER BY id
            LIMIT $1""";

    private final EdgeIdentity identity;
    private final EventTopics topics;

    public EdgeOutbox(EdgeIdentity identity, EventTopics topics) {
        this.identity = identity;
        this.topics = topics;
    }

    /**
     * The CUD event of one change a device made, as the write path queues it.
     *
     * @param eventId the event's id, which the record's row keeps too ({@code sync_record.own_event}) while it holds
     *     the version the event wrote
     * @param createdAt the record's creation time, in milliseconds since the epoch
     * @param stamp the change's stamp: its {@code updatedAt} in milliseconds since the epoch
     * @param clientUpdatedAt when the device made the change, if it said so (what last-writer-wins compares)
     */
    public record Event(UUID eventId, String table, String recordId, String operation, Optional<String> baseVersion,
            String newVersion, ObjectNode data, boolean deleted, long createdAt, long stamp,
            Optional<String> deviceId, Optional<String> operationId, Optional<String> owner,
            Optional<Instant> clientUpdatedAt) {
    }

    /**
     * The part of a single write's statement that queues the CUD event of the row {@code written} holds (none when it
     * is empty): a CTE named {@code events}, whose id is the one the row keeps ({@code own_event}). The event's base
     * version is the one the row replaced, else {@code base}.
     */
    public static String appendWrittenCte(String written, String operation, String base, String device,
            String operationId) {
        return """
                events AS (
                    INSERT INTO outbox_event (event_id, table_name, record_id, operation, base_version, new_version,
                                              data, deleted, created_at, updated_at, device_id, operation_id, owner_id)
                    SELECT w.own_event, w.table_name, w.id, %1$s, COALESCE(w.replaced, %2$s), w.version, w.data,
                           w.deleted, w.created_at, w.updated_at, %3$s, %4$s, w.owner_id
                    FROM %5$s w)"""
                .formatted(operation, base, device, operationId, written);
    }

    /**
     * The part of a write statement that queues CUD events, in order: a CTE named {@code events} over arrays bound to
     * {@code params}, written in the transaction of the changes (no dual write).
     */
    public static String appendCte(SqlParams params, List<Event> events) {
        return """
                events AS (
                    INSERT INTO outbox_event (event_id, table_name, record_id, operation, base_version, new_version,
                                              data, deleted, created_at, updated_at, device_id, operation_id, owner_id,
                                              client_updated_at)
                    SELECT e.event_id, e.table_name, e.record_id, e.operation, e.base_version, e.new_version,
                           e.data::jsonb, e.deleted, es_stamp_time(e.created_at), es_stamp_time(e.stamp), e.device_id,
                           e.operation_id, e.owner_id, es_stamp_time(e.client_updated_at)
                    FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                                %s::boolean[], %s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[],
                                %s::bigint[])
                         WITH ORDINALITY AS e(event_id, table_name, record_id, operation, base_version, new_version,
                                              data, deleted, created_at, stamp, device_id, operation_id, owner_id,
                                              client_updated_at, n)
                    ORDER BY e.n)"""
                .formatted(params.add(events.stream().map(Event::eventId).toArray(UUID[]::new)),
                        params.add(events.stream().map(Event::table).toArray(String[]::new)),
                        params.add(events.stream().map(Event::recordId).toArray(String[]::new)),
                        params.add(events.stream().map(Event::operation).toArray(String[]::new)),
                        params.add(events.stream().map(e -> e.baseVersion().orElse(null)).toArray(String[]::new)),
                        params.add(events.stream().map(Event::newVersion).toArray(String[]::new)),
                        params.add(events.stream().map(e -> e.data().toString()).toArray(String[]::new)),
                        params.add(events.stream().map(Event::deleted).toArray(Boolean[]::new)),
                        params.add(events.stream().map(Event::createdAt).toArray(Long[]::new)),
                        params.add(events.stream().map(Event::stamp).toArray(Long[]::new)),
                        params.add(events.stream().map(e -> e.deviceId().orElse(null)).toArray(String[]::new)),
                        params.add(events.stream().map(e -> e.operationId().orElse(null)).toArray(String[]::new)),
                        params.add(events.stream().map(e -> e.owner().orElse(null)).toArray(String[]::new)),
                        params.add(events.stream()
                                .map(e -> e.clientUpdatedAt().map(Instant::toEpochMilli).orElse(null))
                                .toArray(Long[]::new)));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long relayLockKey() {
        return RELAY_LOCK;
    }

    @Override
    public Uni<List<OutboundRecord>> fetchUnsent(SqlClient client, int limit) {
        String topic = topics.cudTopic();
        String source = identity.eventSource();
        return client.preparedQuery(FETCH)
                .execute(Tuple.of(limit))
                .map(rows -> {
                    List<OutboundRecord> records = new ArrayList<>();
                    for (Row row : rows) {
                        CudEvent event = toEvent(row, source);
                        records.add(new OutboundRecord(row.getLong("id"), topic, event.key(),
                                EventCodec.encodeCud(event)));
                    }
                    return records;
                });
    }

    /** The CUD event of one outbox row. */
    static CudEvent toEvent(Row row, String source) {
        String recordId = row.getString("record_id");
        String version = row.getString("new_version");
        Instant createdAt = row.getOffsetDateTime("created_at").toInstant();
        Instant updatedAt = row.getOffsetDateTime("updated_at").toInstant();
        CudEvent.Data data = new CudEvent.Data(row.getString("table_name"), recordId,
                Items.item(recordId, EventCodec.parseObject(row.getString("data")), createdAt, updatedAt, version,
                        row.getBoolean("deleted")),
                Optional.ofNullable(row.getString("base_version")), version,
                Optional.ofNullable(row.getString("device_id")), Optional.ofNullable(row.getString("operation_id")),
                Optional.ofNullable(row.getString("owner_id")),
                Optional.ofNullable(row.getOffsetDateTime("client_updated_at")).map(OffsetDateTime::toInstant));
        // (the event's time is when the edge wrote it: the stamp in updatedAt can run ahead of the clock)
        return CudEvent.of(row.getUUID("event_id"), source, row.getString("operation"),
                row.getOffsetDateTime("written_at").toInstant(), data);
    }

    @Override
    public OutboxTable table() {
        return TABLE;
    }
}
