-- Problem packages in the store, so a worker on any host can grade any
-- problem: the uploaded zip once per content (sha256 of the archive's bytes),
-- referenced by every version made of it. Workers unpack it into their own
-- data folder on first use (server/work/problems.cpp). A row from before
-- this migration has no package: only the uploading host has its files.
CREATE TABLE problem_packages (
    sha256         TEXT    PRIMARY KEY,
    zip            BLOB    NOT NULL,
    created_at_ms  INTEGER NOT NULL
);
ALTER TABLE problems ADD COLUMN package_sha256 TEXT REFERENCES problem_packages (sha256);
