package io.edgesync.central;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.events.CudEvent;
import io.edgesync.events.EventCodec;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** SQL of the central service: master rows, processed events, its outbox. Every statement is parameterised. */
@ApplicationScoped
public class CentralStore {

    /** The outbox stream of change-stream messages. */
    public static final String CHANGES = "changes";
    /** The outbox stream of conflict messages. */
    public static final String CONFLICTS = "conflicts";

    /**
     * Serialises everything central does to one record for the rest of the transaction (an advisory lock on its key,
     * which also covers two first events of one id, when no master row exists yet to lock), then records that the event
     * is being processed. False when its id was processed before (a redelivered copy): the caller does nothing else.
     * One statement: the lock is taken before the event row is inserted.
     */
    public Uni<Boolean> lockKeyAndRecordEvent(SqlClient tx, CudEvent event) {
        CudEvent.Data data = event.data();
        return tx
                .preparedQuery(
                        """
                                WITH locked AS (SELECT pg_advisory_xact_lock(hashtextextended($8, 0)))
                                INSERT INTO central_event (event_id, source, table_name, record_id, operation, base_version, new_version,
                                                           outcome)
                                SELECT $1, $2, $3, $4, $5, $6, $7, 'pending' FROM locked
                                ON CONFLICT (event_id) DO NOTHING
                                RETURNING seq""")
                .execute(Tuple.tuple(Arrays.asList(event.id(), event.source(), data.table(), data.id(),
                        event.operation(), nullable(data.baseVersion()), data.newVersion(),
                        CudEvent.key(data.table(), data.id()))))
                .map(rows -> rows.rowCount() > 0);
    }

    /** What became of an event. */
    public Uni<Void> finishEvent(SqlClient tx, UUID eventId, String outcome, Optional<String> decision,
            Optional<Long> masterSeq) {
        return tx
                .preparedQuery(
                        "UPDATE central_event SET outcome = $2, decision = $3, master_seq = $4 WHERE event_id = $1")
                .execute(Tuple.of(eventId, outcome, decision.orElse(null), masterSeq.orElse(null)))
                .replaceWithVoid();
    }

    /** The master row, locked for the rest of the transaction. */
    public Uni<Optional<MasterRecord>> lockMaster(SqlClient tx, String table, String id) {
        return tx.preparedQuery("""
                SELECT data::text AS data, created_at, updated_at, version, deleted, master_seq, owner_id,
                       client_updated_at
                FROM central_record WHERE table_name = $1 AND id = $2 FOR UPDATE""")
                .execute(Tuple.of(table, id))
                .map(rows -> {
                    Iterator<Row> iterator = rows.iterator();
                    if (!iterator.hasNext()) {
                        return Optional.empty();
                    }
                    Row row = iterator.next();
                    return Optional.of(new MasterRecord(table, id, new MasterRecord.RowState(
                            EventCodec.parseObject(row.getString("data")),
                            row.getOffsetDateTime("created_at").toInstant(),
                            row.getOffsetDateTime("updated_at").toInstant(), row.getString("version"),
                            row.getBoolean("deleted"),
                            Optional.ofNullable(row.getOffsetDateTime("client_updated_at"))
                                    .map(OffsetDateTime::toInstant)),
                            row.getLong("master_seq"),
                            Optional.ofNullable(row.getString("owner_id"))));
                });
    }

    /**
     * The next position of the table's change stream. Locks the table's row until commit, so the table's publications
     * commit in position order.
     */
    public Uni<Long> nextMasterSeq(SqlClient tx, String table) {
        return tx.preparedQuery("""
                INSERT INTO central_table AS t (name, master_seq) VALUES ($1, 1)
                ON CONFLICT (name) DO UPDATE SET master_seq = t.master_seq + 1
                RETURNING master_seq""")
                .execute(Tuple.of(table))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * Writes the master row and returns its owner: the owner a record was first written with stays its owner (the
     * arbiter never lets another user's event change it).
     */
    public Uni<Optional<String>> writeMaster(SqlClient tx, String table, String id, MasterRecord.RowState state,
            long masterSeq, Optional<UUID> eventId, Optional<String> owner) {
        return tx.preparedQuery("""
                INSERT INTO central_record AS r (table_name, id, data, created_at, updated_at, version, deleted,
                                                 master_seq, changed_at, last_event, owner_id, client_updated_at)
                VALUES ($1, $2, $3::text::jsonb, $4, $5, $6, $7, $8, clock_timestamp(), $9, $10, $11)
                ON CONFLICT (table_name, id) DO UPDATE
                SET data = EXCLUDED.data,
                    created_at = EXCLUDED.created_at,
                    updated_at = EXCLUDED.updated_at,
                    version = EXCLUDED.version,
                    deleted = EXCLUDED.deleted,
                    master_seq = EXCLUDED.master_seq,
                    changed_at = CASE WHEN r.version = EXCLUDED.version AND r.deleted = EXCLUDED.deleted
                                      THEN r.changed_at ELSE EXCLUDED.changed_at END,
                    last_event = EXCLUDED.last_event,
                    owner_id = r.owner_id,
                    client_updated_at = EXCLUDED.client_updated_at
                RETURNING owner_id""")
                .execute(Tuple.tuple(Arrays.asList(table, id, state.data().toString(),
                        state.createdAt().atOffset(ZoneOffset.UTC), state.updatedAt().atOffset(ZoneOffset.UTC),
                        state.version(), state.deleted(), masterSeq, nullable(eventId), owner.orElse(null),
                        state.clientUpdatedAt().map(at -> at.atOffset(ZoneOffset.UTC)).orElse(null))))
                .map(rows -> rows.iterator().hasNext()
                        ? Optional.ofNullable(rows.iterator().next().getString(0))
                        : Optional.<String>empty());
    }

    /** Adds a message to the central outbox; a null payload is a Kafka tombstone. */
    public Uni<Void> appendOutbox(SqlClient tx, String stream, String table, String id, Optional<String> version,
            String payload) {
        List<Object> params = new ArrayList<>(List.of(stream, table, id));
        params.add(version.orElse(null));
        params.add(payload);
        return tx.preparedQuery("""
                INSERT INTO central_outbox (stream, table_name, record_id, version, payload)
                VALUES ($1, $2, $3, $4, $5)""")
                .execute(Tuple.tuple(params))
                .replaceWithVoid();
    }

    /**
     * Deletes master tombstones whose delete is older than {@code cutoff} and queues a Kafka tombstone for each, so
     * compaction eventually drops the key from the change stream.
     *
     * @return how many rows were purged
     */
    public Uni<Integer> purgeTombstones(SqlClient tx, Instant cutoff, int limit) {
        return tx.preparedQuery("""
                WITH purged AS (
                    DELETE FROM central_record
                    WHERE (table_name, id) IN (SELECT table_name, id FROM central_record
                                               WHERE deleted AND changed_at < $1
                                               ORDER BY changed_at LIMIT $2)
                      AND deleted AND changed_at < $1
                    RETURNING table_name, id)
                INSERT INTO central_outbox (stream, table_name, record_id, version, payload)
                SELECT 'changes', table_name, id, NULL, NULL FROM purged ORDER BY table_name, id
                RETURNING id""")
                .execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC), limit))
                .map(rows -> rows.rowCount());
    }

    /** Forgets processed event ids older than {@code cutoff}; returns how many. */
    public Uni<Integer> forgetEventsBefore(SqlClient client, Instant cutoff, int limit) {
        return client.preparedQuery("""
                DELETE FROM central_event
                WHERE event_id IN (SELECT event_id FROM central_event WHERE processed_at < $1
                                   ORDER BY processed_at LIMIT $2)""")
                .execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC), limit))
                .map(rows -> rows.rowCount());
    }

    private static Object nullable(Optional<?> value) {
        return value.orElse(null);
    }
}
