-- Devices, their replicas (what they have pulled) and operation queues; the conflict log; the transactional outbox.

ALTER TABLE device ADD COLUMN user_id VARCHAR(255);
ALTER TABLE device ADD COLUMN protocol VARCHAR(16);                 -- zumo-v2, zumo-v3 or native
ALTER TABLE device ADD COLUMN next_seq BIGINT NOT NULL DEFAULT 0;   -- last queue position handed out

-- Per device, table and query: how far the device has pulled. ZUMO devices pull by updatedAt watermark (the query id
-- is the pull's filter without its watermark), native devices by change position.
CREATE TABLE device_replica (
    device_id   VARCHAR(128) NOT NULL REFERENCES device (id) ON DELETE CASCADE,
    table_name  VARCHAR(128) COLLATE "C" NOT NULL,
    query_id    VARCHAR(512) NOT NULL,
    watermark   TIMESTAMP(3) WITH TIME ZONE,
    change_seq  BIGINT,
    pulled_rows BIGINT NOT NULL DEFAULT 0,
    first_pull  TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    last_pull   TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (device_id, table_name, query_id)
);

-- Every create/update/delete a device sent, in its order, with its outcome. Written in the transaction of its effect.
CREATE TABLE device_operation (
    device_id         VARCHAR(128) NOT NULL REFERENCES device (id) ON DELETE CASCADE,
    seq               BIGINT NOT NULL,                  -- the device's order of sending
    operation_id      VARCHAR(128) NOT NULL,            -- client operation id (native) or generated (ZUMO)
    table_name        VARCHAR(128) COLLATE "C" NOT NULL,
    record_id         VARCHAR(255) NOT NULL,
    kind              VARCHAR(16) NOT NULL,             -- insert, update, delete, undelete
    item              JSONB,                            -- what the device sent: never lost, even when it loses
    base_version      VARCHAR(64),
    client_updated_at TIMESTAMP(3) WITH TIME ZONE,
    status            VARCHAR(16) NOT NULL,             -- applied, conflict, parked, discarded
    result            JSONB NOT NULL,                   -- the answer given, replayed on a retried batch
    result_version    VARCHAR(64),
    error             TEXT,
    received_at       TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    resolved_at       TIMESTAMP(3) WITH TIME ZONE,
    PRIMARY KEY (device_id, seq),
    UNIQUE (device_id, operation_id)
);
CREATE INDEX device_operation_parked ON device_operation (device_id, seq) WHERE status = 'parked';

-- Every conflict, at an edge (device against cache) or at central (edge against master), with both sides.
CREATE TABLE sync_conflict (
    id            BIGSERIAL PRIMARY KEY,
    detected_at   TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    source        VARCHAR(16) NOT NULL,                 -- edge or central
    table_name    VARCHAR(128) COLLATE "C" NOT NULL,
    record_id     VARCHAR(255) NOT NULL,
    device_id     VARCHAR(128),
    operation_id  VARCHAR(128),
    policy        VARCHAR(128) NOT NULL,
    decision      VARCHAR(32) NOT NULL,                 -- server-wins, client-wins, merged
    base_version  VARCHAR(64),
    client_item   JSONB,
    server_item   JSONB,
    result_item   JSONB
);
CREATE INDEX sync_conflict_table ON sync_conflict (table_name, detected_at);
CREATE INDEX sync_conflict_device ON sync_conflict (device_id, detected_at);

-- Transactional outbox: the CUD event of every change a device made, written with the change, relayed to Kafka.
CREATE TABLE outbox_event (
    id           BIGSERIAL PRIMARY KEY,
    event_id     UUID NOT NULL DEFAULT gen_random_uuid(),
    table_name   VARCHAR(128) COLLATE "C" NOT NULL,
    record_id    VARCHAR(255) NOT NULL,
    operation    VARCHAR(16) NOT NULL,                  -- insert, update, delete, undelete
    base_version VARCHAR(64),
    new_version  VARCHAR(64) NOT NULL,
    data         JSONB NOT NULL,                        -- user columns after the change
    deleted      BOOLEAN NOT NULL,
    created_at   TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    updated_at   TIMESTAMP(3) WITH TIME ZONE NOT NULL,
    device_id    VARCHAR(128),
    operation_id VARCHAR(128),
    sent_at      TIMESTAMP(3) WITH TIME ZONE
);
CREATE INDEX outbox_event_unsent ON outbox_event (id) WHERE sent_at IS NULL;
-- The state of a record at a version: the base of a three-way merge.
CREATE INDEX outbox_event_version ON outbox_event (table_name, record_id, new_version);

-- Tombstone retention: change position up to which tombstones of a table were purged.
ALTER TABLE sync_table ADD COLUMN purged_through BIGINT NOT NULL DEFAULT 0;
