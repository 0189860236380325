-- Callback owners and leases (see schema/sqlite/0009_callback_owner.sql);
-- lease times are the database server's clock.
ALTER TABLE callbacks ADD COLUMN owner TEXT;
ALTER TABLE callbacks ADD COLUMN lease_expires_ms BIGINT;
