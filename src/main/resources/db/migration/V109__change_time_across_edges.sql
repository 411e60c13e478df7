-- When a change was made, carried across edges so that last-writer-wins compares like with like everywhere: the CUD
-- event says when the device made the change (when it said so), central keeps it with the master row and publishes it
-- on the change stream, and an edge applying a change from another edge keeps it as the row's client_updated_at (V107),
-- or the change's own updatedAt when its device did not say. Nullable columns: nothing is rewritten.
ALTER TABLE outbox_event ADD COLUMN client_updated_at TIMESTAMP(3) WITH TIME ZONE;
ALTER TABLE central_record ADD COLUMN client_updated_at TIMESTAMP(3) WITH TIME ZONE;
