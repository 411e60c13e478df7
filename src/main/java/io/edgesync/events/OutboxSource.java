package io.edgesync.events;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * A transactional outbox table that an {@link OutboxRelay} publishes: rows written in the transaction of the change
 * they announce, read in id order, deleted (or, to keep them for a while, marked sent) once Kafka has acknowledged
 * them.
 */
public interface OutboxSource {

    /** Short name for logs, metrics and the relay's thread: {@code edge} or {@code central}. */
    String name();

    /** The PostgreSQL advisory lock that makes one relay per database the publisher of this outbox. */
    long relayLockKey();

    /** The oldest unsent rows, in id order, as the Kafka records to publish. */
    Uni<List<OutboundRecord>> fetchUnsent(SqlClient client, int limit);

    /** The outbox's table, for the bookkeeping every outbox shares. */
    OutboxTable table();

    /** Done with published rows: deletes them, or marks them sent when they are {@code kept} for operators. */
    default Uni<Void> relayed(SqlClient client, List<Long> ids, boolean kept) {
        return table().relayed(client, ids, kept);
    }

    /** How far publication lags behind. */
    default Uni<OutboxStats> stats(SqlClient client) {
        return table().stats(client);
    }

    /** Deletes up to {@code limit} rows kept after they were published before {@code cutoff}; returns how many. */
    default Uni<Integer> deleteSentBefore(SqlClient client, Instant cutoff, int limit) {
        return table().deleteSentBefore(client, cutoff, limit);
    }

    /**
     * One Kafka record of an outbox row.
     *
     * @param rowId the outbox row
     * @param topic destination topic
     * @param key {@code table/id}
     * @param value the message value; null for a Kafka tombstone
     */
    record OutboundRecord(long rowId, String topic, String key, String value) {
    }

    /**
     * Publication lag of an outbox.
     *
     * @param unsent rows not yet acknowledged by Kafka
     * @param oldestUnsent when the oldest of them was written, if there is one
     */
    record OutboxStats(long unsent, Optional<Instant> oldestUnsent) {

        public static final OutboxStats EMPTY = new OutboxStats(0, Optional.empty());

        /** Seconds since the oldest unsent row was written (0 when there is none). */
        public double oldestAgeSeconds(Instant now) {
            return oldestUnsent.map(t -> Math.max(0, now.toEpochMilli() - t.toEpochMilli()) / 1000.0).orElse(0.0);
        }
    }
}
