-- Judging nodes (see schema/sqlite/0007_nodes.sql). seen_at_ms is the
-- database server's clock, as leases are.
CREATE TABLE nodes (
    node           TEXT    PRIMARY KEY,
    role           TEXT    NOT NULL,
    workers        BIGINT  NOT NULL CHECK (workers >= 0),
    started_at_ms  BIGINT  NOT NULL,
    seen_at_ms     BIGINT  NOT NULL
);
