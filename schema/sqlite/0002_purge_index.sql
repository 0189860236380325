-- purge_finished_before(): finished rows (status_id >= 3) by creation time.
-- A partial index holds only the rows a purge may delete, so the purge's
-- range scan never walks queued or running rows, and the index costs nothing
-- for rows still in flight. A database of version 1 gets it on its next
-- start (the store's upgrade path; see tests/server/test_store.cpp).
CREATE INDEX submissions_finished_created ON submissions (created_at_ms) WHERE status_id >= 3;
