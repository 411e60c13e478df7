-- A row's owner travels with its changes: the CUD event, the master row and the change stream, so per-user tables
-- work across edges.
ALTER TABLE outbox_event ADD COLUMN owner_id VARCHAR(255);
ALTER TABLE central_record ADD COLUMN owner_id VARCHAR(255);
