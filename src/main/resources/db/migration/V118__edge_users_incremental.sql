-- Replicas of an edge read edge_user every few seconds: from now on only the users whose state changed since their last
-- read (arrived, filled, evicted), not the whole table. An eviction marks the user instead of deleting the row, so that
-- the other replicas learn of it the same way; marked rows go after a day (a replica down longer reads the whole table
-- at its start anyway).
ALTER TABLE edge_user
    ADD COLUMN changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    ADD COLUMN evicted    boolean NOT NULL DEFAULT false;
CREATE INDEX edge_user_changed_at ON edge_user (changed_at);
