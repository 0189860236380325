-- Judging nodes (GET /workers across the cluster): each process that judges
-- upserts its row every heartbeat with how many workers it runs (who judges
-- what is in submissions' claims); a row not seen for a lease is a dead node's and is deleted by the
-- next beat of any node. `node` is host:pid, the prefix of its workers'
-- identities in submissions.worker.
CREATE TABLE nodes (
    node           TEXT    PRIMARY KEY,
    role           TEXT    NOT NULL,
    workers        INTEGER NOT NULL CHECK (workers >= 0),
    started_at_ms  INTEGER NOT NULL,
    seen_at_ms     INTEGER NOT NULL
);
