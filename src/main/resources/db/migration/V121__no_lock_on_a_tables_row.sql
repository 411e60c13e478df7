-- Every record write checked its foreign key to its table's row (sync_table at an edge, central_table at central),
-- which takes a shared row lock on that one row until commit. PostgreSQL records a row locked by several
-- transactions at once as a multixact: with concurrent writers of a table nearly every write made a new one (24 for
-- 60 concurrent writes in DatabaseCostTest), each written to the multixact logs and the WAL, on a page every writer
-- of the table changes, and each counting towards the anti-wraparound vacuums of every table (at 1,000 writes/s,
-- the default autovacuum_multixact_freeze_max_age is reached in days).
--
-- Nothing deletes a table's row, and nothing writes a record of a table without its row: an edge's writes draw their
-- stamps from the table's clock, which exists only once its sync_table row does (es_stamp fails for an unknown
-- table), and central inserts its central_table rows in the statement that writes the batch. The keys go.
ALTER TABLE sync_record DROP CONSTRAINT sync_record_table_name_fkey;
ALTER TABLE central_record DROP CONSTRAINT central_record_table_name_fkey;
