-- The edge cache: every sync table's rows in one table, user columns in a JSONB document (dynamic schema).

-- One row per sync table. Writers lock it for the short moment between stamping a change and committing: that
-- makes updated_at strictly increasing per table at millisecond precision AND makes changes visible in that order,
-- so an incremental pull (updatedAt ge/gt watermark, $skip paging) never misses a committed change.
CREATE TABLE sync_table (
    name           VARCHAR(128) COLLATE "C" PRIMARY KEY,           -- lower case: table names match case-insensitively
    display_name   VARCHAR(128) NOT NULL,                          -- as declared or first written
    soft_delete    BOOLEAN NOT NULL DEFAULT TRUE,
    dynamic_schema BOOLEAN NOT NULL DEFAULT TRUE,
    declared       BOOLEAN NOT NULL DEFAULT FALSE,
    columns        JSONB NOT NULL DEFAULT '{}'::jsonb,             -- canonical column name -> type name
    clock          TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT 'epoch',  -- last updated_at handed out
    change_seq     BIGINT NOT NULL DEFAULT 0,                      -- last change position handed out
    created_at     TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now()
);

CREATE TABLE sync_record (
    table_name VARCHAR(128) COLLATE "C" NOT NULL REFERENCES sync_table (name),
    id         VARCHAR(255) COLLATE "C" NOT NULL,
    data       JSONB NOT NULL,                                     -- user columns (canonical names)
    created_at TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    version    VARCHAR(64) NOT NULL,                               -- opaque, the strong ETag
    deleted    BOOLEAN NOT NULL DEFAULT FALSE,                     -- tombstone, kept for every table
    change_seq BIGINT NOT NULL,                                    -- position in the table's change order
    PRIMARY KEY (table_name, id)
);

-- Incremental pulls: updatedAt order, and the invariant that no two changes of a table share a millisecond.
CREATE UNIQUE INDEX sync_record_updated_at ON sync_record (table_name, updated_at);
-- Native pulls by change position.
CREATE UNIQUE INDEX sync_record_change_seq ON sync_record (table_name, change_seq);

-- Versions: base64 of the 8 bytes of this sequence's next value.
CREATE SEQUENCE sync_version_seq;

-- Typed views of JSONB values for the OData translator; NULL when the value has another type, never an error.
CREATE FUNCTION es_num(v JSONB) RETURNS NUMERIC
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN jsonb_typeof(v) = 'number' THEN v::numeric END $$;

CREATE FUNCTION es_bool(v JSONB) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN jsonb_typeof(v) = 'boolean' THEN v::boolean END $$;

CREATE FUNCTION es_text(v JSONB) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN jsonb_typeof(v) IN ('string', 'number', 'boolean') THEN v #>> '{}' END $$;

-- A string as a timestamp, NULL when it is not one (stored strings come from devices).
CREATE FUNCTION es_ts(v TEXT) RETURNS TIMESTAMP WITH TIME ZONE
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    AS $$
BEGIN
    IF v IS NULL OR v !~ '^\d{4}-\d{2}-\d{2}' THEN
        RETURN NULL;
    END IF;
    RETURN v::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;
