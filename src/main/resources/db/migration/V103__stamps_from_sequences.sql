-- Change stamps without a lock held to commit (docs/adr/0003-stamps-below-a-visibility-horizon.md).
--
-- Every sync table gets a clock: a sequence holding the last stamp handed out (milliseconds since the epoch), and a
-- second sequence holding the highest transaction id that ever drew from it. Sequences are not transactional: a
-- value a writer sets is seen by every session at once, and no lock on them is held until commit. A change's stamp is
-- both its updated_at (as a timestamp) and its change position (native tokens). Pullers read only up to the table's
-- visibility horizon, which the gateway derives from these two values and pg_snapshot_xmin.

-- The clock of a table and the register of its drawers' transaction ids.
CREATE FUNCTION es_clock(p_table TEXT) RETURNS REGCLASS
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT ('sync_clock_' || md5(p_table))::regclass $$;

CREATE FUNCTION es_clock_xids(p_table TEXT) RETURNS REGCLASS
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT ('sync_clock_xid_' || md5(p_table))::regclass $$;

-- A stamp as the timestamp clients see (exact: integer milliseconds).
CREATE FUNCTION es_stamp_time(p_stamp BIGINT) RETURNS TIMESTAMP(3) WITH TIME ZONE
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_timestamp(0) + p_stamp * INTERVAL '1 millisecond' $$;

-- Creates the clock of a table when its sync_table row is inserted (declared at start, or created by a first write).
CREATE FUNCTION es_create_clock() RETURNS TRIGGER
    LANGUAGE plpgsql
    AS $$
BEGIN
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I AS BIGINT MINVALUE 0 START 0 CACHE 1', 'sync_clock_' || md5(NEW.name));
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I AS BIGINT MINVALUE 0 START 0 CACHE 1',
                   'sync_clock_xid_' || md5(NEW.name));
    RETURN NULL;
END
$$;

CREATE TRIGGER sync_table_clock AFTER INSERT ON sync_table FOR EACH ROW EXECUTE FUNCTION es_create_clock();

-- Draws p_count consecutive stamps of a table and returns the first.
--
-- The caller's transaction id is assigned BEFORE the draw and recorded in the table's register: the horizon publishes
-- a stamp only once every transaction up to the highest recorded id has ended, so a transaction that drew a stamp can
-- never commit it below a published horizon. The draw itself (read both sequences, move them forward) runs under a
-- session-level advisory lock that is released right after it, never held to commit: concurrent writers of a table
-- wait for each other only for these few microseconds. The lock is released on every error path too (a statement
-- timeout or cancel arriving inside), so a failed draw cannot leave the table's writers blocked.
--
-- A stamp is the later of the wall-clock millisecond and the last stamp + 1: unique per table, strictly increasing,
-- close to wall-clock time while a table takes fewer than 1,000 changes per second, and never moved backwards.
CREATE FUNCTION es_stamp(p_table TEXT, p_count INT) RETURNS BIGINT
    LANGUAGE plpgsql VOLATILE
    AS $$
DECLARE
    my_xid      BIGINT := pg_current_xact_id()::text::bigint;
    clock       REGCLASS := es_clock(p_table);
    drawers     REGCLASS := es_clock_xids(p_table);
    lock_key    BIGINT := (x'45530000'::bigint << 32) | clock::oid::bigint;
    first_stamp BIGINT;
BEGIN
    IF p_count < 1 THEN
        RAISE EXCEPTION 'es_stamp: p_count must be positive, got %', p_count;
    END IF;
    BEGIN
        PERFORM pg_advisory_lock(lock_key);
        IF my_xid > coalesce(pg_sequence_last_value(drawers), 0) THEN
            PERFORM setval(drawers, my_xid);
        END IF;
        first_stamp := greatest(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint,
                                coalesce(pg_sequence_last_value(clock), 0) + 1);
        PERFORM setval(clock, first_stamp + p_count - 1);
        PERFORM pg_advisory_unlock(lock_key);
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        PERFORM pg_advisory_unlock(lock_key)
        FROM pg_locks
        WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
          AND classid::bigint = lock_key >> 32 AND objid::bigint = lock_key & 4294967295;
        RAISE;
    END;
    RETURN first_stamp;
END
$$;

-- What the visibility horizon reads of a table: the last stamp handed out, then (read after it) the highest
-- transaction id of any transaction that drew a stamp up to it.
CREATE FUNCTION es_clock_read(p_table TEXT, OUT last_stamp BIGINT, OUT last_xid BIGINT)
    LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    last_stamp := coalesce(pg_sequence_last_value(es_clock(p_table)), 0);
    last_xid := coalesce(pg_sequence_last_value(es_clock_xids(p_table)), 0);
END
$$;

-- Clocks of the tables that exist: they start at the last stamp the old per-table clock row handed out (or the
-- newest row, or the highest change position, whichever is largest), so every existing updatedAt watermark and
-- native token stays valid and every new stamp is larger than any old one.
DO $$
DECLARE
    t RECORD;
BEGIN
    FOR t IN SELECT name, clock, change_seq FROM sync_table LOOP
        EXECUTE format('CREATE SEQUENCE %I AS BIGINT MINVALUE 0 START 0 CACHE 1', 'sync_clock_' || md5(t.name));
        EXECUTE format('CREATE SEQUENCE %I AS BIGINT MINVALUE 0 START 0 CACHE 1', 'sync_clock_xid_' || md5(t.name));
        PERFORM setval(es_clock(t.name), greatest(
            0,
            floor(extract(epoch FROM t.clock) * 1000)::bigint,
            t.change_seq,
            coalesce((SELECT floor(extract(epoch FROM max(r.updated_at)) * 1000)::bigint
                      FROM sync_record r WHERE r.table_name = t.name), 0),
            coalesce((SELECT max(r.change_seq) FROM sync_record r WHERE r.table_name = t.name), 0)));
    END LOOP;
END
$$;

-- The clock row is gone: a gateway of the previous version still running against this database fails at its first
-- write instead of stamping in a way the horizon does not know.
ALTER TABLE sync_table DROP COLUMN clock;
ALTER TABLE sync_table DROP COLUMN change_seq;
