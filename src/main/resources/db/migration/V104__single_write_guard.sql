-- A single write of the table protocol runs as one statement that either writes everything (record, CUD event, queue
-- entry) or nothing: when the record is not as the statement expects (it exists, it changed, it is another user's),
-- this guard fails the statement with SQLSTATE EF001, and the gateway applies the write the general way instead.
CREATE FUNCTION es_require(p_ok BOOLEAN) RETURNS BOOLEAN
    LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    IF p_ok IS NOT TRUE THEN
        RAISE EXCEPTION 'the record is not as this single-statement write expects' USING ERRCODE = 'EF001';
    END IF;
    RETURN TRUE;
END
$$;
