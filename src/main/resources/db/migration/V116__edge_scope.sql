-- Where an edge stands with the scope of each table that holds a filter of rows (edgesync.tables.*.edge-scope): the
-- scope it was filled for, and how far its backfill from central's master rows has come (a master position), so that a
-- backfill interrupted by a restart resumes where it stopped and a changed scope starts again.
CREATE TABLE edge_scope (
    table_name     text PRIMARY KEY,
    scope          text NOT NULL,
    swept          boolean NOT NULL DEFAULT false,
    backfill_after bigint NOT NULL DEFAULT 0,
    backfill_done  boolean NOT NULL DEFAULT false,
    rows_applied   bigint NOT NULL DEFAULT 0,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz
);
