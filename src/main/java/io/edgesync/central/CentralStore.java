package io.edgesync.central;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.cache.RecordVersions;
import io.edgesync.conflict.ConflictLog;
import io.edgesync.events.CudEvent;
import io.edgesync.events.EventCodec;
import io.edgesync.odata.SqlParams;
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
     * Serialises everything central does to the batch's records for the rest of the transaction (advisory locks on
     * their keys, taken in key order, which also cover first events of an id, when no master row exists yet to lock),
     * then records that the events are being processed, in one statement.
     *
     * @return the ids of the events recorded now: an id processed before (a redelivered copy) is not among them
     */
    public Uni<Set<UUID>> lockKeysAndRecordEvents(SqlClient tx, List<CudEvent> events) {
        return tx.preparedQuery("""
                WITH locked AS (
                    SELECT count(*) AS keys
                    FROM (SELECT pg_advisory_xact_lock(hashtextextended(k.key, 0))
                          FROM (SELECT DISTINCT key FROM unnest($1::text[]) AS u(key) ORDER BY key) k) l),
                recorded AS (
                    INSERT INTO central_event (event_id, source, table_name, record_id, operation, base_version,
                                               new_version, outcome)
                    SELECT e.event_id, e.source, e.table_name, e.record_id, e.operation, e.base_version, e.new_version,
                           'pending'
                    FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                         WITH ORDINALITY AS e(event_id, source, table_name, record_id, operation, base_version,
                                              new_version, n), locked
                    ORDER BY e.n
                    ON CONFLICT (event_id) DO NOTHING
                    RETURNING event_id)
                SELECT event_id FROM recorded""")
                .execute(Tuple.tuple(Arrays.asList(
                        events.stream().map(CudEvent::key).toArray(String[]::new),
                        events.stream().map(CudEvent::id).toArray(UUID[]::new),
                        events.stream().map(CudEvent::source).toArray(String[]::new),
                        events.stream().map(e -> e.data().table()).toArray(String[]::new),
                        events.stream().map(e -> e.data().id()).toArray(String[]::new),
                        events.stream().map(CudEvent::operation).toArray(String[]::new),
                        events.stream().map(e -> e.data().baseVersion().orElse(null)).toArray(String[]::new),
                        events.stream().map(e -> e.data().newVersion()).toArray(String[]::new))))
                .map(rows -> {
                    Set<UUID> recorded = new HashSet<>();
                    rows.forEach(row -> recorded.add(row.getUUID("event_id")));
                    return recorded;
                });
    }

    /** The master rows of records, locked for the rest of the transaction, by {@link CudEvent#key}. */
    public Uni<Map<String, MasterRecord>> lockMasters(SqlClient tx, Collection<CudEvent> events) {
        Map<String, String[]> keys = new TreeMap<>();
        events.forEach(event -> keys.put(event.key(), new String[]{event.data().table(), event.data().id()}));
        return tx.preparedQuery("""
                SELECT m.table_name, m.id, m.data::text AS data, m.created_at, m.updated_at, m.version, m.deleted,
                       m.master_seq, m.owner_id, m.client_updated_at
                FROM central_record m
                JOIN unnest($1::text[], $2::text[]) AS k(table_name, id) ON m.table_name = k.table_name AND m.id = k.id
                ORDER BY m.table_name, m.id
                FOR UPDATE OF m""")
                .execute(Tuple.of(keys.values().stream().map(k -> k[0]).toArray(String[]::new),
                        keys.values().stream().map(k -> k[1]).toArray(String[]::new)))
                .map(rows -> {
                    Map<String, MasterRecord> masters = new HashMap<>();
                    for (Row row : rows) {
                        String table = row.getString("table_name");
                        String id = row.getString("id");
                        masters.put(CudEvent.key(table, id), new MasterRecord(table, id, new MasterRecord.RowState(
                                EventCodec.parseObject(row.getString("data")),
                                row.getOffsetDateTime("created_at").toInstant(),
                                row.getOffsetDateTime("updated_at").toInstant(), row.getString("version"),
                                row.getBoolean("deleted"),
                                Optional.ofNullable(row.getOffsetDateTime("client_updated_at"))
                                        .map(OffsetDateTime::toInstant)),
                                row.getLong("master_seq"), Optional.ofNullable(row.getString("owner_id"))));
                    }
                    return masters;
                });
    }

    /**
     * {@code count} new master positions, in increasing order, from one sequence (no lock: a position is taken once the
     * batch holds its records, so each record's positions increase in the order its changes commit).
     */
    public Uni<long[]> nextMasterSeqs(SqlClient tx, int count) {
        return tx.preparedQuery("SELECT nextval('central_master_seq') AS seq FROM generate_series(1, $1)")
                .execute(Tuple.of(count))
                .map(rows -> {
                    long[] seqs = new long[rows.rowCount()];
                    int i = 0;
                    for (Row row : rows) {
                        seqs[i++] = row.getLong("seq");
                    }
                    Arrays.sort(seqs);
                    return seqs;
                });
    }

    /**
     * A master row's new state.
     *
     * @param eventId the event that changed it last
     * @param owner the record's owner: the first event of an id decides it
     */
    public record MasterWrite(String table, String id, MasterRecord.RowState state, long masterSeq, UUID eventId,
            Optional<String> owner) {
    }

    /** A message for the central outbox; a null payload is a Kafka tombstone. */
    public record OutboxMessage(String stream, String table, String id, Optional<String> version, String payload) {
    }

    /**
     * What became of an event.
     *
     * @param outcome {@code applied}, {@code conflict} or {@code already-applied}
     * @param decision the policy's decision, when it conflicted
     * @param masterSeq the publication it caused, if any
     */
    public record EventOutcome(UUID eventId, String outcome, Optional<String> decision, Optional<Long> masterSeq) {
    }

    /**
     * Writes everything a batch decided, in one statement: the master rows (one final state each), the outbox messages
     * in order, the conflict log, the merge bases to keep, and what became of each event.
     */
    public Uni<Void> writeBatch(SqlClient tx, List<MasterWrite> masters, List<OutboxMessage> messages,
            List<ConflictLog.Entry> conflicts, List<RecordVersions.Kept> kept, List<EventOutcome> outcomes) {
        SqlParams params = new SqlParams();
        String sql = "WITH " + String.join(",\n", """
                tables AS (
                    INSERT INTO central_table (name)
                    SELECT DISTINCT t FROM unnest(%s::text[]) AS u(t)
                    ON CONFLICT (name) DO NOTHING)""".formatted(
                params.add(masters.stream().map(MasterWrite::table).toArray(String[]::new))),
                """
                        masters AS (
                            INSERT INTO central_record AS r (table_name, id, data, created_at, updated_at, version, deleted,
                                                             master_seq, changed_at, last_event, owner_id, client_updated_at)
                            SELECT m.table_name, m.id, m.data::jsonb, es_stamp_time(m.created_at), es_stamp_time(m.updated_at),
                                   m.version, m.deleted, m.master_seq, clock_timestamp(), m.last_event, m.owner_id,
                                   es_stamp_time(m.client_updated_at)
                            FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[], %s::bigint[], %s::text[],
                                        %s::boolean[], %s::bigint[], %s::uuid[], %s::text[], %s::bigint[])
                                 AS m(table_name, id, data, created_at, updated_at, version, deleted, master_seq, last_event,
                                      owner_id, client_updated_at)
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
                                client_updated_at = EXCLUDED.client_updated_at)"""
                        .formatted(
                                params.add(masters.stream().map(MasterWrite::table).toArray(String[]::new)),
                                params.add(masters.stream().map(MasterWrite::id).toArray(String[]::new)),
                                params.add(
                                        masters.stream().map(m -> m.state().data().toString()).toArray(String[]::new)),
                                params.add(masters.stream()
                                        .map(m -> m.state().createdAt().toEpochMilli())
                                        .toArray(Long[]::new)),
                                params.add(masters.stream()
                                        .map(m -> m.state().updatedAt().toEpochMilli())
                                        .toArray(Long[]::new)),
                                params.add(masters.stream().map(m -> m.state().version()).toArray(String[]::new)),
                                params.add(masters.stream().map(m -> m.state().deleted()).toArray(Boolean[]::new)),
                                params.add(masters.stream().map(MasterWrite::masterSeq).toArray(Long[]::new)),
                                params.add(masters.stream().map(MasterWrite::eventId).toArray(UUID[]::new)),
                                params.add(masters.stream().map(m -> m.owner().orElse(null)).toArray(String[]::new)),
                                params.add(masters.stream()
                                        .map(m -> m.state().clientUpdatedAt().map(Instant::toEpochMilli).orElse(null))
                                        .toArray(Long[]::new))),
                """
                        messages AS (
                            INSERT INTO central_outbox (stream, table_name, record_id, version, payload)
                            SELECT o.stream, o.table_name, o.record_id, o.version, o.payload
                            FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
                                 WITH ORDINALITY AS o(stream, table_name, record_id, version, payload, n)
                            ORDER BY o.n)""".formatted(
                        params.add(messages.stream().map(OutboxMessage::stream).toArray(String[]::new)),
                        params.add(messages.stream().map(OutboxMessage::table).toArray(String[]::new)),
                        params.add(messages.stream().map(OutboxMessage::id).toArray(String[]::new)),
                        params.add(messages.stream().map(m -> m.version().orElse(null)).toArray(String[]::new)),
                        params.add(messages.stream().map(OutboxMessage::payload).toArray(String[]::new))),
                ConflictLog.appendCte(params, conflicts),
                RecordVersions.appendCte(params, kept),
                """
                        outcomes AS (
                            UPDATE central_event e SET outcome = o.outcome, decision = o.decision, master_seq = o.master_seq
                            FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::bigint[])
                                 AS o(event_id, outcome, decision, master_seq)
                            WHERE e.event_id = o.event_id)"""
                        .formatted(
                                params.add(outcomes.stream().map(EventOutcome::eventId).toArray(UUID[]::new)),
                                params.add(outcomes.stream().map(EventOutcome::outcome).toArray(String[]::new)),
                                params.add(
                                        outcomes.stream().map(o -> o.decision().orElse(null)).toArray(String[]::new)),
                                params.add(
                                        outcomes.stream().map(o -> o.masterSeq().orElse(null)).toArray(Long[]::new))))
                + "\nSELECT 1";
        return tx.preparedQuery(sql).execute(Tuple.tuple(params.values())).replaceWithVoid();
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

}
