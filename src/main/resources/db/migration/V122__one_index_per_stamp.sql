-- One index for a change's stamp, not two (docs/adr/0003-stamps-below-a-visibility-horizon.md).
--
-- Since V103 a change's stamp is written twice: as updated_at (es_stamp_time of the stamp, exact milliseconds) and as
-- change_seq (the stamp itself). Both were indexed, with and without the row's owner, so every write of a record made
-- two index entries that said the same thing again. Pulls by change position (native tokens, the visibility horizon,
-- change notifications) now compare updated_at with es_stamp_time(position), and the change_seq indexes go: every write
-- and every change applied from the change stream makes three index entries where it made five.
--
-- change_seq stays a column: rows written before V103 keep the change counters of ADR 0001 there, and a native token
-- issued before V103 still holds such a counter (every stamp is at least the wall-clock millisecond of its draw, so a
-- position below 10^11, early 1973, can only be a counter). The gateway translates such a token once, to the newest
-- updated_at of the rows at or below its counter (counters and updated_at of those rows rose together, both drawn
-- from the table's clock row), and goes on from there. The positions the database keeps are translated here.
-- The change position of a stamp-time: the inverse of es_stamp_time.
CREATE FUNCTION es_stamp_of(p_time TIMESTAMPTZ) RETURNS BIGINT
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT floor(extract(epoch FROM p_time) * 1000)::bigint $$;

-- The change position, in stamps, that a position from before V103 (an ADR 0001 counter) stands for; positions that are
-- already stamps are returned as they are.
CREATE FUNCTION es_position_as_stamp(p_table TEXT, p_position BIGINT) RETURNS BIGINT
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT CASE
                   WHEN p_position <= 0 OR p_position >= 100000000000 THEN p_position
                   ELSE coalesce((SELECT es_stamp_of(max(r.updated_at)) FROM sync_record r
                                  WHERE r.table_name = p_table AND r.change_seq <= p_position), 0)
               END
    $$;

-- Devices' replicas that were last pulled with a counter: the purge compares them with updated_at from now on.
UPDATE device_replica SET change_seq = es_position_as_stamp(table_name, change_seq)
WHERE change_seq > 0 AND change_seq < 100000000000;

-- A purge mark that is a counter (tombstones purged before V103) becomes the stamp below which a token has missed
-- those purged deletes: the first row that was written after them (their own stamps are gone with them), or, when no
-- such row is left, the first stamp after every row written before V103.
UPDATE sync_table t
SET purged_through = coalesce((SELECT es_stamp_of(min(r.updated_at)) FROM sync_record r
                               WHERE r.table_name = t.name AND r.change_seq > t.purged_through),
                              (SELECT es_stamp_of(max(r.updated_at)) + 1 FROM sync_record r
                               WHERE r.table_name = t.name),
                              t.purged_through)
WHERE t.purged_through > 0 AND t.purged_through < 100000000000;

-- Last, once the translations above have used them: the change_seq indexes go.
DROP INDEX sync_record_change_seq;
DROP INDEX sync_record_owner_change_seq;
