-- Whether the version an edge holds of a record was written by one of its devices, and by which CUD event: the edge
-- tells from it, without reading its outbox, whether a change central publishes for one of its own CUD events is the
-- outcome of the write it holds (applied) or of an older one (only confirmed: the later write's outcome follows). NULL
-- when the version came from the change stream (or from a backfill).
ALTER TABLE sync_record ADD COLUMN own_event uuid;

-- Records whose current version a device of this edge wrote, as far as the outbox still remembers it (its retention):
-- the last CUD event that wrote that version.
UPDATE sync_record r
SET own_event = o.event_id
FROM (SELECT DISTINCT ON (table_name, record_id, new_version) table_name, record_id, new_version, event_id
      FROM outbox_event
      ORDER BY table_name, record_id, new_version, id DESC) o
WHERE o.table_name = r.table_name AND o.record_id = r.id AND o.new_version = r.version;
