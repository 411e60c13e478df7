-- When the device made the record's current change, as it said (native pushes with clientUpdatedAt), so that
-- last-writer-wins compares a device's change time with the stored change's own, like with like. NULL when the change
-- did not say (table protocol, changes from other edges): then the change counts as made when it was stored
-- (updated_at). Adding a nullable column rewrites nothing.
ALTER TABLE sync_record ADD COLUMN client_updated_at TIMESTAMP(3) WITH TIME ZONE;
