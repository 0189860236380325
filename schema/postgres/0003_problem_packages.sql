-- Problem packages in the store (see schema/sqlite/0008_problem_packages.sql).
CREATE TABLE problem_packages (
    sha256         TEXT    PRIMARY KEY,
    zip            BYTEA   NOT NULL,
    created_at_ms  BIGINT  NOT NULL
);
ALTER TABLE problems ADD COLUMN package_sha256 TEXT REFERENCES problem_packages (sha256);
