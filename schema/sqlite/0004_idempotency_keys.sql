-- Idempotency-Key (POST /submissions, and per item of a batch): a client
-- whose 201 was lost with its connection sends the same request with the
-- same key again and gets the token of the row its first try committed, not
-- a duplicate. The key is written in the same transaction as its row. A
-- retry is told from a key reused for a different request by comparing the
-- new request's inputs with the row's (exact, so no hash is kept). A key
-- lives until the retention window ends (JUDGED_IDEMPOTENCY_RETENTION_SECONDS;
-- the purge removes it) or its submission is deleted (the cascade: a key
-- never names a missing row).
CREATE TABLE idempotency_keys (
    key            BLOB    PRIMARY KEY,
    submission_id  INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    created_at_ms  INTEGER NOT NULL
);

-- The cascade looks keys up by their submission; the purge by age.
CREATE INDEX idempotency_keys_submission ON idempotency_keys (submission_id);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at_ms);
