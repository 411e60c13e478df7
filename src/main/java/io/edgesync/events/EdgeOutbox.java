package io.edgesync.events;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The edge's outbox ({@code outbox_event}): the CUD event of every change a device made, written by the record store in
 * the change's transaction, published to the CUD topic as CloudEvents.
 */
@ApplicationScoped
public class EdgeOutbox implements OutboxSource {

    private static final OutboxTable TABLE = new OutboxTable("outbox_event", "updated_at");

    /** Advisory lock key of the edge relay ("EDGE-OUT"). */
    private static final long RELAY_LOCK = 0x45444745_2D4F5554L;

    private static final String FETCH = """
            SELECT id, event_id, table_name, record_id, operation, base_version, new_version, data::text AS data,
                   deleted, created_at, updated_at, device_id, operation_id, owner_id
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

    @Override
    public String name() {
        return "edge";
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
                Optional.ofNullable(row.getString("owner_id")));
        return CudEvent.of(row.getUUID("event_id"), source, row.getString("operation"), updatedAt, data);
    }

    @Override
    public Uni<Void> markSent(SqlClient client, List<Long> ids) {
        return TABLE.markSent(client, ids);
    }

    @Override
    public Uni<OutboxStats> stats(SqlClient client) {
        return TABLE.stats(client);
    }

    @Override
    public Uni<Integer> deleteSentBefore(SqlClient client, Instant cutoff, int limit) {
        return TABLE.deleteSentBefore(client, cutoff, limit);
    }
}
