-- The PostgreSQL schema of the store (server/store/store.hpp,
-- server/store/postgres/). The same tables as SQLite's series (schema/sqlite/
-- 0001-0006) in one first migration; a later change is a new numbered file.
-- Applied by PostgresStore under an advisory lock, so nodes may start at
-- once; it needs only a role that owns its database (no superuser, no
-- extension). Every text a client or a program supplies is BYTEA, bound from
-- the exact bytes (NUL and invalid UTF-8 survive); NULL is an absent field.
CREATE TABLE submissions (
    id                                         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token                                      TEXT    NOT NULL UNIQUE,

    -- Input.
    source_code                                BYTEA   NOT NULL,
    language_id                                INTEGER NOT NULL,
    compiler_options                           BYTEA,
    command_line_arguments                     BYTEA,
    stdin                                      BYTEA,
    expected_output                            BYTEA,
    callback_url                               BYTEA,
    additional_files                           BYTEA,
    cpu_time_limit                             DOUBLE PRECISION NOT NULL,
    cpu_extra_time                             DOUBLE PRECISION NOT NULL,
    wall_time_limit                            DOUBLE PRECISION NOT NULL,
    memory_limit                               BIGINT  NOT NULL,
    stack_limit                                BIGINT  NOT NULL,
    max_file_size                              BIGINT  NOT NULL,
    max_processes_and_or_threads               INTEGER NOT NULL,
    number_of_runs                             INTEGER NOT NULL,
    enable_per_process_and_thread_time_limit   BOOLEAN NOT NULL,
    enable_per_process_and_thread_memory_limit BOOLEAN NOT NULL,
    redirect_stderr_to_stdout                  BOOLEAN NOT NULL,
    enable_network                             BOOLEAN NOT NULL,
    tests_json                                 BYTEA   NOT NULL,
    comparator                                 BYTEA   NOT NULL,
    problem_id                                 BYTEA,
    problem_version                            BIGINT,

    -- Output.
    status_id                                  INTEGER NOT NULL CHECK (status_id BETWEEN 1 AND 14),
    stdout                                     BYTEA,
    stderr                                     BYTEA,
    compile_output                             BYTEA,
    message                                    BYTEA,
    exit_code                                  INTEGER,
    exit_signal                                INTEGER,
    time                                       DOUBLE PRECISION,
    wall_time                                  DOUBLE PRECISION,
    memory                                     BIGINT,
    created_at_ms                              BIGINT  NOT NULL,
    finished_at_ms                             BIGINT,
    verdict_json                               BYTEA   NOT NULL,
    test_results_json                          BYTEA   NOT NULL,
    problem_result_json                        BYTEA   NOT NULL DEFAULT '',

    -- The claim: who holds it (host:pid:thread), since when, until when, and
    -- the claim's number (finish and release act only for the current one).
    -- worker and claim_no stay after finish as who judged it.
    worker                                     TEXT,
    claimed_at_ms                              BIGINT,
    lease_expires_ms                           BIGINT,
    claim_no                                   BIGINT  NOT NULL DEFAULT 0
);

-- claim(): the oldest In Queue row; count_in_queue().
CREATE INDEX submissions_queued ON submissions (id) WHERE status_id = 1;
-- requeue_expired(), claims(), count_processing().
CREATE INDEX submissions_leases ON submissions (lease_expires_ms) WHERE status_id = 2;
-- list(): newest first.
CREATE INDEX submissions_created ON submissions (created_at_ms, id);
-- purge_finished_before().
CREATE INDEX submissions_finished_created ON submissions (created_at_ms) WHERE status_id >= 3;
-- problem_in_use().
CREATE INDEX submissions_unfinished_problem ON submissions (problem_id) WHERE status_id <= 2;

-- writable(): GET /health proves a write commits by updating this one row.
CREATE TABLE health (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at_ms BIGINT  NOT NULL
);
INSERT INTO health (id, checked_at_ms) VALUES (1, 0);

-- Problem packages (see schema/sqlite/0003_problems.sql).
CREATE TABLE problems (
    id             TEXT    NOT NULL,
    version        BIGINT  NOT NULL CHECK (version >= 1),
    name           BYTEA   NOT NULL,
    summary_json   BYTEA   NOT NULL,
    path           BYTEA   NOT NULL,
    created_at_ms  BIGINT  NOT NULL,
    PRIMARY KEY (id, version)
);

-- Idempotency keys (see schema/sqlite/0004_idempotency_keys.sql).
CREATE TABLE idempotency_keys (
    key            BYTEA   PRIMARY KEY,
    submission_id  BIGINT  NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    created_at_ms  BIGINT  NOT NULL
);
CREATE INDEX idempotency_keys_submission ON idempotency_keys (submission_id);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at_ms);

-- The callback outbox (see schema/sqlite/0005_callbacks.sql).
CREATE TABLE callbacks (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token          TEXT    NOT NULL,
    url            BYTEA   NOT NULL,
    body           BYTEA   NOT NULL,
    tries_used     BIGINT  NOT NULL DEFAULT 0 CHECK (tries_used >= 0),
    created_at_ms  BIGINT  NOT NULL
);
