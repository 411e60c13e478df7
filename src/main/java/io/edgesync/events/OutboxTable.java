package io.edgesync.events;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The bookkeeping SQL every outbox table shares (an {@code id}, a {@code sent_at}, and a time column that says how old
 * a message is): forgetting or marking the rows Kafka acknowledged, their lag, and deleting what was sent long enough
 * ago. Table and column names are constants of the code, never input.
 */
public final class OutboxTable {

    private final String markSent;
    private final String forget;
    private final String stats;
    private final String deleteSent;

    /**
     * @param table the outbox table
     * @param ageColumn the column whose value of the oldest unsent row is the outbox's lag
     */
    public OutboxTable(String table, String ageColumn) {
        this.markSent = "UPDATE " + table + " SET sent_at = clock_timestamp() WHERE id = ANY($1)";
        this.forget = "DELETE FROM " + table + " WHERE id = ANY($1)";
        this.stats = "SELECT (SELECT count(*) FROM " + table + " WHERE sent_at IS NULL) AS unsent,"
                + " (SELECT " + ageColumn + " FROM " + table + " WHERE sent_at IS NULL ORDER BY id LIMIT 1) AS oldest";
        this.deleteSent = "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table
                + " WHERE sent_at < $1 ORDER BY sent_at LIMIT $2)";
    }

    /**
     * Done with rows Kafka acknowledged: deletes them, or, when they are to be {@code kept} for operators, marks them
     * sent. Marking writes each row a second time (a new row version with new entries in the table's indexes, since
     * {@code sent_at} is indexed), deleting only marks the versions dead.
     */
    public Uni<Void> relayed(SqlClient client, List<Long> ids, boolean kept) {
        return client.preparedQuery(kept ? markSent : forget)
                .execute(Tuple.of(ids.toArray(Long[]::new)))
                .replaceWithVoid();
    }

    public Uni<OutboxSource.OutboxStats> stats(SqlClient client) {
        return client.query(stats)
                .execute()
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new OutboxSource.OutboxStats(row.getLong("unsent"),
                            Optional.ofNullable(row.getOffsetDateTime("oldest"))
                                    .map(t -> t.withOffsetSameInstant(ZoneOffset.UTC).toInstant()));
                });
    }

    public Uni<Integer> deleteSentBefore(SqlClient client, Instant cutoff, int limit) {
        return client.preparedQuery(deleteSent)
                .execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC), limit))
                .map(rows -> rows.rowCount());
    }
}
