-- A tombstone whose columns were purged (every active device pulled past it, or the tombstone retention passed) stays
-- as an id-only tombstone, so that a device coming back much later still learns of the delete; it is deleted after
-- edgesync.tables.id-tombstone-retention-days. A constant default rewrites nothing.
ALTER TABLE sync_record ADD COLUMN columns_purged BOOLEAN NOT NULL DEFAULT FALSE;
