package io.edgesync.central;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.events.CudEvent;
import io.edgesync.events.EventTopics;
import io.edgesync.events.OutboxSource;
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
    public Uni<Void> markSent(SqlClient client, List<Long> ids) {
        return client.preparedQuery("UPDATE central_outbox SET sent_at = clock_timestamp() WHERE id = ANY($1)")
                .execute(Tuple.of(ids.toArray(Long[]::new)))
                .replaceWithVoid();
    }

    @Override
    public Uni<OutboxStats> stats(SqlClient client) {
        return client.query("""
                SELECT (SELECT count(*) FROM central_outbox WHERE sent_at IS NULL) AS unsent,
                       (SELECT created_at FROM central_outbox WHERE sent_at IS NULL ORDER BY id LIMIT 1) AS oldest""")
                .execute()
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new OutboxStats(row.getLong("unsent"),
                            Optional.ofNullable(row.getOffsetDateTime("oldest")).map(t -> t.toInstant()));
                });
    }

    @Override
    public Uni<Integer> deleteSentBefore(SqlClient client, Instant cutoff, int limit) {
        return client.preparedQuery("""
                DELETE FROM central_outbox
                WHERE id IN (SELECT id FROM central_outbox WHERE sent_at < $1 ORDER BY sent_at LIMIT $2)""")
                .execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC), limit))
                .map(rows -> rows.rowCount());
    }
}
