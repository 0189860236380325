-- The callback outbox (server/callbacks.hpp): one row per callback not yet
-- delivered or given up on. A row is added when its submission's result is
-- stored and deleted when a receiver answers 2xx or the tries run out, so
-- callbacks pending at a shutdown or a crash are resumed at the next start.
-- tries_used counts attempts begun (written before each attempt), so the
-- CALLBACKS_MAX_TRIES bound holds across restarts.
CREATE TABLE callbacks (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    token          TEXT    NOT NULL,  -- the submission's, for logs
    url            BLOB    NOT NULL,
    body           BLOB    NOT NULL,  -- the JSON PUT to url
    tries_used     INTEGER NOT NULL DEFAULT 0 CHECK (tries_used >= 0),
    created_at_ms  INTEGER NOT NULL
);
