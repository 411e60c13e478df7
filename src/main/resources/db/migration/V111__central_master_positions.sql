-- Master positions from one sequence instead of a counter row per table: a batch of the central service takes its
-- positions without locking its tables, so batches of different records (and central instances sharing the CUD topic)
-- no longer wait for each other. A record's positions still increase in the order its changes commit (a batch takes
-- them while it holds the record). The sequence continues above every position handed out.
CREATE SEQUENCE central_master_seq AS BIGINT MINVALUE 1;
SELECT setval('central_master_seq', COALESCE((SELECT max(master_seq) FROM central_table), 0) + 1, false);
COMMENT ON COLUMN central_table.master_seq IS 'unused since V111: positions come from central_master_seq';
