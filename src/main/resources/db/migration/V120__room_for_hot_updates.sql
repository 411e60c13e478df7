-- Rows updated soon after they are inserted leave room in their page for the new version, so that PostgreSQL can
-- update them in place (a HOT update: no new index entries) when no indexed column changes:
-- * a record an edge's device wrote gets its master position when central's change stream confirms it (the echo);
-- * a CUD event central records as pending gets its outcome in the same transaction.
-- With full pages (the default fillfactor of 100) a third of the first and two thirds to three quarters of the second
-- made a new entry in every index. Only pages filled from now on keep the room; rows never updated take up to a
-- quarter more space.
ALTER TABLE sync_record SET (fillfactor = 80);
ALTER TABLE central_event SET (fillfactor = 80);
