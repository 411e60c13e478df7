-- The string functions of $filter and $orderby that make strings longer, with a bound: replace() with a short
-- pattern and a longer replacement multiplies a string's length at every nesting level, and nested concat() doubles
-- it, so a few kilobytes of query made a backend allocate gigabytes. These raise SQLSTATE EF002 (the gateway answers
-- 400) before they would build a string of more than 1048576 characters; under the bound they are the built-ins.
CREATE FUNCTION es_replace(p_text TEXT, p_from TEXT, p_to TEXT) RETURNS TEXT
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
DECLARE
    v_growth BIGINT := length(p_to) - length(p_from);
BEGIN
    -- Occurrences are counted on the shrunken string, which is never longer than the input.
    IF v_growth > 0 AND length(p_from) > 0
            AND length(p_text)::BIGINT
                + (length(p_text) - length(replace(p_text, p_from, ''))) / length(p_from) * v_growth > 1048576 THEN
        RAISE EXCEPTION 'a string built by the query would be longer than 1048576 characters' USING ERRCODE = 'EF002';
    END IF;
    RETURN replace(p_text, p_from, p_to);
END
$$;

CREATE FUNCTION es_concat(p_left TEXT, p_right TEXT) RETURNS TEXT
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
BEGIN
    IF length(p_left)::BIGINT + length(p_right) > 1048576 THEN
        RAISE EXCEPTION 'a string built by the query would be longer than 1048576 characters' USING ERRCODE = 'EF002';
    END IF;
    RETURN p_left || p_right;
END
$$;
