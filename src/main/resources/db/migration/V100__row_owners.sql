-- Per-user rows: the user (token subject) who inserted a row owns it; queries and pulls of a user see only theirs.
-- (Numbered apart from the event migrations so that both lines of work can add versions independently.)
ALTER TABLE sync_record ADD COLUMN owner_id VARCHAR(255);
CREATE INDEX sync_record_owner_updated_at ON sync_record (table_name, owner_id, updated_at);
CREATE INDEX sync_record_owner_change_seq ON sync_record (table_name, owner_id, change_seq);

-- A device is bound to the first user that used it.
CREATE INDEX device_user ON device (user_id);
