-- The users whose rows an edge holds in tables whose scope is 'owners': when each arrived, was last seen, and when
-- their rows were fetched from central (null: not yet, or not finished).
CREATE TABLE edge_user (
    user_id    text PRIMARY KEY,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    filled_at  timestamptz
);
CREATE INDEX edge_user_last_seen ON edge_user (last_seen);
