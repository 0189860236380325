-- The first schema of the store (server/store.hpp). Applied once, in one
-- transaction with PRAGMA user_version = 1; never edited after a release (a
-- change is a new numbered file).
--
-- submissions: one row per submission, one column per field of server::Record
-- (server/record.hpp), with Judge0's names and units (seconds, kilobytes).
-- Every text that a client or a program supplies is a BLOB bound from the
-- exact bytes, so NUL and invalid UTF-8 survive; NULL is an absent optional
-- field. Booleans are 0/1.
CREATE TABLE submissions (
    -- AUTOINCREMENT: an id is never reused, even after the newest row is
    -- deleted, so ids name one submission for the life of the database.
    id                                         INTEGER PRIMARY KEY AUTOINCREMENT,
    token                                      TEXT    NOT NULL UNIQUE,  -- uuid4, the public name

    -- Input.
    source_code                                BLOB    NOT NULL,
    language_id                                INTEGER NOT NULL,
    compiler_options                           BLOB,
    command_line_arguments                     BLOB,
    stdin                                      BLOB,
    expected_output                            BLOB,
    callback_url                               BLOB,
    additional_files                           BLOB,   -- the zip's bytes
    cpu_time_limit                             REAL    NOT NULL,
    cpu_extra_time                             REAL    NOT NULL,
    wall_time_limit                            REAL    NOT NULL,
    memory_limit                               INTEGER NOT NULL,
    stack_limit                                INTEGER NOT NULL,
    max_file_size                              INTEGER NOT NULL,
    max_processes_and_or_threads               INTEGER NOT NULL,
    number_of_runs                             INTEGER NOT NULL,
    enable_per_process_and_thread_time_limit   INTEGER NOT NULL,
    enable_per_process_and_thread_memory_limit INTEGER NOT NULL,
    redirect_stderr_to_stdout                  INTEGER NOT NULL,
    enable_network                             INTEGER NOT NULL,
    tests_json                                 BLOB    NOT NULL,  -- extension; empty when absent
    comparator                                 BLOB    NOT NULL,  -- extension

    -- Output.
    status_id                                  INTEGER NOT NULL CHECK (status_id BETWEEN 1 AND 14),
    stdout                                     BLOB,
    stderr                                     BLOB,
    compile_output                             BLOB,
    message                                    BLOB,
    exit_code                                  INTEGER,
    exit_signal                                INTEGER,
    time                                       REAL,
    wall_time                                  REAL,
    memory                                     INTEGER,
    created_at_ms                              INTEGER NOT NULL,  -- Unix time, milliseconds
    finished_at_ms                             INTEGER,
    verdict_json                               BLOB    NOT NULL,  -- extension; empty until finished
    test_results_json                          BLOB    NOT NULL,  -- extension

    -- Lease: the worker judging it and since when (set by claim(), cleared
    -- when it goes back In Queue, kept after finish() as a record of who
    -- judged it).
    worker                                     TEXT,
    claimed_at_ms                              INTEGER
);

-- claim(): the oldest In Queue row (WHERE status_id = 1 ORDER BY id);
-- also count_in_queue(), count_processing(), requeue_processing().
CREATE INDEX submissions_status ON submissions (status_id, id);

-- list(): newest first (ORDER BY created_at_ms DESC, id DESC).
CREATE INDEX submissions_created ON submissions (created_at_ms, id);

-- writable(): GET /health proves a write commits by updating this one row.
CREATE TABLE health (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at_ms INTEGER NOT NULL
);
INSERT INTO health (id, checked_at_ms) VALUES (1, 0);
