-- The central table service (role central, or all): master rows, processed CUD events, and its own outbox of the
-- change stream and cross-edge conflicts. In role all these tables sit next to the edge cache in one database.

-- Retention of the edge outbox deletes relayed rows by the time they were relayed.
CREATE INDEX outbox_event_sent_at ON outbox_event (sent_at) WHERE sent_at IS NOT NULL;

-- One row per table the central service has seen: hands out the table's master positions. Updating it locks it until
-- commit, so a table's changes commit (and are relayed) in position order.
CREATE TABLE central_table (
    name       VARCHAR(128) COLLATE "C" PRIMARY KEY,
    master_seq BIGINT NOT NULL DEFAULT 0                           -- last master position handed out
);

-- The system of record: the authoritative state of every record.
CREATE TABLE central_record (
    table_name  VARCHAR(128) COLLATE "C" NOT NULL REFERENCES central_table (name),
    id          VARCHAR(255) COLLATE "C" NOT NULL,
    data        JSONB NOT NULL,                                    -- user columns
    created_at  TIMESTAMP(3) WITH TIME ZONE NOT NULL,              -- as the edge that created it stamped it
    updated_at  TIMESTAMP(3) WITH TIME ZONE NOT NULL,              -- as the edge of the accepted change stamped it
    version     VARCHAR(64) NOT NULL,                              -- the accepted change's version (or a merge's)
    deleted     BOOLEAN NOT NULL,
    master_seq  BIGINT NOT NULL,                                   -- position of the last publication of this row
    changed_at  TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),  -- central time of the last change
    last_event  UUID,                                              -- the CUD event that last changed it
    PRIMARY KEY (table_name, id)
);
-- Tombstone purge.
CREATE INDEX central_record_tombstones ON central_record (changed_at) WHERE deleted;

-- Every CUD event the central service processed, in processing order: a redelivered event id is dropped
-- (exactly-once effect of at-least-once delivery), and operators see what became of each event.
CREATE TABLE central_event (
    event_id     UUID PRIMARY KEY,
    seq          BIGSERIAL NOT NULL,
    source       VARCHAR(512) NOT NULL,
    table_name   VARCHAR(128) COLLATE "C" NOT NULL,
    record_id    VARCHAR(255) NOT NULL,
    operation    VARCHAR(16) NOT NULL,
    base_version VARCHAR(64),
    new_version  VARCHAR(64) NOT NULL,
    outcome      VARCHAR(32) NOT NULL,                             -- applied, conflict, duplicate-version
    decision     VARCHAR(32),                                      -- the policy's decision when it conflicted
    master_seq   BIGINT,                                           -- the publication it caused
    processed_at TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX central_event_record ON central_event (table_name, record_id, seq);
CREATE INDEX central_event_processed_at ON central_event (processed_at);

-- The central outbox: change-stream and conflict messages, written in the transaction that decided them and relayed
-- to Kafka in id order. A NULL payload is a Kafka tombstone (a purged row).
CREATE TABLE central_outbox (
    id          BIGSERIAL PRIMARY KEY,
    stream      VARCHAR(16) NOT NULL,                              -- changes or conflicts (topic names are configuration)
    table_name  VARCHAR(128) COLLATE "C" NOT NULL,
    record_id   VARCHAR(255) NOT NULL,
    version     VARCHAR(64),                                       -- the row's version (changes)
    payload     TEXT,                                              -- the message value, exactly as published
    created_at  TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    sent_at     TIMESTAMP(3) WITH TIME ZONE
);
CREATE INDEX central_outbox_unsent ON central_outbox (id) WHERE sent_at IS NULL;
CREATE INDEX central_outbox_sent_at ON central_outbox (sent_at) WHERE sent_at IS NOT NULL;
-- The state of a record at a version: the base of a three-way merge at central.
CREATE INDEX central_outbox_version ON central_outbox (table_name, record_id, version);
