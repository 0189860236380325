-- Problems (Kattis packages uploaded over the API) and submissions judged
-- against one. A package's files live in the data folder under
-- problems/<id>/<version>/; this table is the catalog. Uploading the same id
-- again adds a version; a submission pins the version it was made against,
-- so a new upload never changes what a queued or running submission sees.
CREATE TABLE problems (
    id             TEXT    NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    name           BLOB    NOT NULL,
    summary_json   BLOB    NOT NULL,  -- type, limits, groups and test counts, checker
    path           BLOB    NOT NULL,  -- the package folder
    created_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (id, version)
);

ALTER TABLE submissions ADD COLUMN problem_id BLOB;             -- NULL: a plain Judge0 submission
ALTER TABLE submissions ADD COLUMN problem_version INTEGER;
ALTER TABLE submissions ADD COLUMN problem_result_json BLOB NOT NULL DEFAULT x'';  -- per-test and per-group results

-- "Is any unfinished submission still using this problem?" (DELETE /problems/{id}).
CREATE INDEX submissions_unfinished_problem ON submissions (problem_id) WHERE status_id <= 2;
