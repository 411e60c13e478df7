-- Edge caches follow the central service's change stream: the position of the last central change applied to a
-- record makes applying that stream idempotent and in order.
ALTER TABLE sync_record ADD COLUMN master_seq BIGINT NOT NULL DEFAULT 0;
