-- Edges backfill a table (or the part of it in their scope) from central's master rows, paged by master position:
-- read a table's rows in position order.
CREATE INDEX central_record_position ON central_record (table_name, master_seq);
