-- The states of records at their versions, kept for the three-way merges that may need them as a base: a device that
-- changed a record from a version it pulled long ago. Edges keep the versions of their merge tables (their devices'
-- changes and the changes they receive from other edges), central those it accepted; each row goes after
-- edgesync.tables.merge-base-retention-days. Until now merges read their bases from the outboxes, which had to be
-- kept as long as devices may stay away; the outboxes are only outboxes now.
CREATE TABLE record_version (
    table_name VARCHAR(128) COLLATE "C" NOT NULL,
    record_id  VARCHAR(255) COLLATE "C" NOT NULL,
    version    VARCHAR(64) NOT NULL,
    data       JSONB NOT NULL,                                     -- user columns at that version
    kept_at    TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (table_name, record_id, version)
);
-- Retention.
CREATE INDEX record_version_kept_at ON record_version (kept_at);

-- The versions the outboxes hold, so that merges keep their bases across the upgrade.
INSERT INTO record_version (table_name, record_id, version, data, kept_at)
SELECT DISTINCT ON (table_name, record_id, new_version) table_name, record_id, new_version, data, updated_at
FROM outbox_event
ORDER BY table_name, record_id, new_version, id DESC
ON CONFLICT DO NOTHING;
INSERT INTO record_version (table_name, record_id, version, data, kept_at)
SELECT DISTINCT ON (table_name, record_id, version) table_name, record_id, version,
       (payload::jsonb -> 'item') - 'id' - 'createdAt' - 'updatedAt' - 'version' - 'deleted', created_at
FROM central_outbox
WHERE stream = 'changes' AND payload IS NOT NULL AND version IS NOT NULL
ORDER BY table_name, record_id, version, id DESC
ON CONFLICT DO NOTHING;
-- Central read its merge bases from its outbox by this index; nothing does any more.
DROP INDEX central_outbox_version;
