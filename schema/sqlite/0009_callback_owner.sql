-- Each pending callback has an owner: the node (host:pid) that finished its
-- submission sends it and renews lease_expires_ms every heartbeat while it
-- tries. A node adopts a callback whose lease ran out (its owner died) or
-- whose owner is a dead process of its own host, so a callback is sent by
-- one node at a time and none is stranded with a dead one. Rows from before
-- this migration have no owner: the first node to look adopts them.
ALTER TABLE callbacks ADD COLUMN owner TEXT;
ALTER TABLE callbacks ADD COLUMN lease_expires_ms INTEGER;
