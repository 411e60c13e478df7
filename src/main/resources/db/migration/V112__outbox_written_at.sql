-- When the edge wrote each CUD event, by the wall clock: the event's time, which the change stream carries on as the
-- origin of its propagation. updated_at is the change's stamp, which runs ahead of the clock above 1,000 changes per
-- second on one table (docs/adr/0003).
ALTER TABLE outbox_event ADD COLUMN written_at TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT clock_timestamp();
