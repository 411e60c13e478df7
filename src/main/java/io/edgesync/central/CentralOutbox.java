package io.edgesync.central;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.events.CudEvent;
import io.edgesync.events.EventTopics;
import io.edgesync.events.OutboxSource;
import io.edgesync.events.OutboxTable;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The central service's outbox ({@code central_outbox}): change-stream and conflict messages, written in the
 * transaction that decided them, published as they were stored.
 */
@ApplicationScoped
public class CentralOutbox implements OutboxSource {

    private static final OutboxTable TABLE = new OutboxTable("central_outbox", "created_at");

    /** Advisory lock key of the central relay ("CENT-OUT"). */
    private static final long RELAY_LOCK = 0x43454E54_2D4F5554L;

    private final EventTopics topics;

    public CentralOutbox(EventTopics topics) {
        this.topics = topics;
    }

    @Override
    public String name() {
        return "central";
    }

    @Override
    public long relayLockKey() {
        return RELAY_LOCK;
    }

    @Override
    public Uni<List<OutboundRecord>> fetchUnsent(SqlClient client, int limit) {
        return client.preparedQuery("""
                SELECT id, stream, table_name, record_id, payload FROM central_outbox
                WHERE sent_at IS NULL ORDER BY id LIMIT $1""")
                .execute(Tuple.of(limit))
                .map(rows -> {
                    List<OutboundRecord> records = new ArrayList<>();
                    for (Row row : rows) {
                        String topic = CentralStore.CONFLICTS.equals(row.getString("stream"))
                                ? topics.conflictsTopic()
                                : topics.changesTopic();
                        records.add(new OutboundRecord(row.getLong("id"), topic,
                                CudEvent.key(row.getString("table_name"), row.getString("record_id")),
                                row.getString("payload")));
                    }
                    return records;
                });
    }

    @Override
    public OutboxTable table() {
        return TABLE;
    }
}
