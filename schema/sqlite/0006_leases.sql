-- Leases and fencing (server/store/store.hpp, "Claims, leases, fencing"):
-- a claim now holds its row until lease_expires_ms, renewed while the worker
-- judges; claim_no counts the row's claims, and finish/release act only for
-- the current one. `worker` (0001) is the claimer's host:pid:thread. A row
-- Processing from before this migration has no lease: it counts as expired.
ALTER TABLE submissions ADD COLUMN claim_no INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN lease_expires_ms INTEGER;

-- requeue_expired(): only Processing rows, by lease end.
CREATE INDEX submissions_leases ON submissions (lease_expires_ms) WHERE status_id = 2;
