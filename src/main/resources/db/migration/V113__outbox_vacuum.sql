-- Relays mark every published row as sent, an update that leaves a dead row version behind, and read the unsent rows
-- through a partial index that keeps pointing at those versions until a vacuum. PostgreSQL's default (vacuum once a
-- fifth of the table is dead) lets a busy outbox collect hundreds of thousands of them: vacuum the outboxes after a
-- fixed number of dead rows instead, whatever their size.
ALTER TABLE outbox_event SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,
                              autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000);
ALTER TABLE central_outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,
                                autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000);
