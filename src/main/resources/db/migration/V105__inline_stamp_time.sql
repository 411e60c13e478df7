-- es_stamp_time is adding an interval to a timestamp, which PostgreSQL marks STABLE: declared IMMUTABLE (V103) the
-- planner would not inline it and ran it as a function call, planned anew for every row. As STABLE it is inlined into
-- the statements that use it.
CREATE OR REPLACE FUNCTION es_stamp_time(p_stamp BIGINT) RETURNS TIMESTAMP(3) WITH TIME ZONE
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT to_timestamp(0) + p_stamp * INTERVAL '1 millisecond' $$;
