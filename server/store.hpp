// The durable store: SQLite (through SQLiteCpp) in WAL mode, one database
// file. Its schema is the numbered migrations in schema/migrations/
// (NNNN_name.sql, compiled into the binary); open() applies the ones a
// database has not seen yet, each in its own transaction, so a database from
// an older version is upgraded in place (PRAGMA user_version holds the last
// applied number).
//
// Durability: a submission is accepted only once its row is committed. With
// synchronous=FULL every commit reaches the disk. insert_groups() writes many
// callers' rows in one transaction (the Inserter's committer thread gathers
// them), so throughput does not pay one fsync per request.
//
// Claiming is one transaction: the oldest In Queue row becomes Processing
// with the worker's name and the time of the claim (no lease: nothing
// expires a claim while the process runs). On start, rows a crash left in
// Processing are queued again (requeue_processing). Results are written by
// finish() before anyone is told.
//
// Opening refuses a damaged database rather than serving until a read hits
// the damage: PRAGMA quick_check must pass, and a file that is empty or gone
// while its marker (<path>.marker, written once the database exists) is
// there is refused too, so a fresh database is never made over a lost one.
//
// Thread-safety: every member may be called from many threads at once. Writes
// share one connection (guarded by a mutex); reads (get, list, counts,
// statistics, problems) each take a connection of their own from a pool, so
// a commit waiting on the disk or on another process's lock never delays a
// read (WAL: readers see the last commit and do not block the writer).
// Errors: StoreError (with SQLite's primary result code, e.g. SQLITE_BUSY 5,
// SQLITE_CONSTRAINT 19; the message names the operation: "store: claim:
// database is locked") for anything the database refuses; the constructor
// throws for a file it cannot open, check or migrate, or a database newer
// than this binary knows. std::invalid_argument for a caller's mistake
// (list's page 0, finish with a status that is not final).
#pragma once

#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "server/record.hpp"

namespace server {

class StoreError : public std::runtime_error {
public:
    StoreError(const std::string& what, int code = 0) : std::runtime_error(what), code_(code) {}
    int code() const { return code_; }

private:
    int code_;
};

struct StoreOptions {
    bool synchronous_full = true;  // false: NORMAL (safe against a process crash, not a power loss)
    // How long an idempotency key names its submission (the purge removes
    // older keys; an older key not purged yet counts as unused).
    std::int64_t idempotency_retention_seconds = 86400;
};

// One caller's rows in a shared commit (Store::insert_groups).
struct InsertGroup {
    enum class Outcome {
        inserted,      // a new row; the record has its id, token, created_at_ms
        replayed,      // its key names an earlier row with the same inputs: the record is that row, as stored
        key_conflict,  // its key names an earlier row with other inputs: nothing written for it
    };
    std::vector<Record> records;
    // Empty, or one per record: the client's idempotency key (nullopt: none).
    std::vector<std::optional<std::string>> keys;
    std::vector<Outcome> outcomes;  // filled: one per record
    // Set when the database refused a row of this group on its own (a
    // duplicate token, a blob too big): nothing of the group is written, the
    // records are unchanged, the other groups are not affected.
    std::exception_ptr error;
};

struct Statistics {
    std::int64_t total = 0;
    std::map<std::string, std::int64_t> by_day;       // "2026-11-28" -> count (created_at, UTC)
    std::map<int, std::int64_t> by_language;           // language_id -> count
    std::map<int, std::int64_t> by_status;             // status_id -> count
    std::int64_t database_bytes = 0;                   // the database file's size
};

// One version of an uploaded problem package (see schema/migrations/0003).
struct ProblemRow {
    std::string id;
    std::int64_t version = 0;
    std::string name;
    std::string summary_json;
    std::string path;
    std::int64_t created_at_ms = 0;
};

// One pending callback of the outbox (see schema/migrations/0004_callbacks.sql).
struct CallbackRow {
    std::int64_t id = 0;
    std::string token;
    std::string url;
    std::string body;
    std::int64_t tries_used = 0;
    std::int64_t created_at_ms = 0;
};

class Store {
public:
    // `path` ":memory:" for an in-memory database (tests).
    explicit Store(const std::string& path, StoreOptions opts = {});
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    int schema_version();   // the last migration applied
    static int latest_schema_version();  // the last one this binary has

    // Inserts and commits, all or none, in one transaction (see Durability).
    // Fills each r.id, r.created_at_ms (now) and r.token when empty (a fresh
    // uuid4); status is set to In Queue. The records are unchanged when it
    // throws.
    void insert_batch(std::vector<Record>& rs);
    // Every group in one transaction, each group all or none (see
    // InsertGroup). Throws StoreError, nothing written, when the commit
    // itself fails (the disk, the lock).
    void insert_groups(std::vector<InsertGroup>& groups);

    std::optional<Record> get(std::string_view token);
    // One entry per token, in order; nullopt for an unknown token.
    std::vector<std::optional<Record>> get_many(const std::vector<std::string>& tokens);

    struct Page {
        std::vector<Record> records;  // newest first (created_at, then id)
        std::int64_t total = 0;       // all submissions
    };
    // page counts from 1 (page or per_page below 1: std::invalid_argument).
    Page list(std::int64_t page, std::int64_t per_page);

    enum class RemoveResult { removed, not_found, busy };
    // Deletes a finished submission; `busy` (nothing deleted) when it is In
    // Queue or Processing. `removed` fills *out with the row as it was.
    RemoveResult remove(std::string_view token, Record* out);

    // The oldest In Queue submission, now Processing by `worker`; nullopt when
    // the queue is empty.
    std::optional<Record> claim(std::string_view worker);
    // Writes r's outputs (status_id, stdout_data ... test_results_json,
    // finished_at_ms; now when r has none) to its row; the inputs are not
    // touched. Returns false (nothing written) when the row is no longer
    // Processing by `worker` (it was requeued, or deleted).
    // std::invalid_argument when r.status_id is not a final status (3..14).
    bool finish(const Record& r, std::string_view worker);
    // Puts a claimed submission back In Queue (graceful shutdown of unfinished work).
    bool release(std::string_view token, std::string_view worker);
    // Every Processing row back to In Queue; returns how many. Call at start,
    // before any worker runs.
    std::int64_t requeue_processing();

    std::int64_t count_in_queue();
    std::int64_t count_processing();
    // Finished submissions created before `before_ms` are deleted; returns how many.
    std::int64_t purge_finished_before(std::int64_t before_ms);
    // Idempotency keys older than the retention window are deleted; returns how many.
    std::int64_t purge_idempotency_keys();
    Statistics statistics();
    // A write that proves the database is writable (GET /health).
    bool writable();

    // --- Problems (a catalog of package versions; the files are the caller's).
    // The next version number for `id` (1 for a new one).
    std::int64_t next_problem_version(std::string_view id);
    // Throws StoreError when (id, version) exists.
    void add_problem(const ProblemRow& p);
    // `version` nullopt: the latest.
    std::optional<ProblemRow> problem(std::string_view id, std::optional<std::int64_t> version = std::nullopt);
    // The latest version of every problem, by id.
    std::vector<ProblemRow> problems();
    std::vector<ProblemRow> problem_versions(std::string_view id);
    // True while a queued or running submission names the problem.
    bool problem_in_use(std::string_view id);
    // Deletes every version's row; returns them (their folders are the caller's to remove).
    std::vector<ProblemRow> remove_problem(std::string_view id);

    // --- Callback outbox (server/callbacks.hpp).
    // Adds a pending callback with no tries used; returns its id.
    std::int64_t add_callback(std::string_view token, const std::string& url, const std::string& body);
    // Counts one more attempt begun; returns the tries used now (0: no such row).
    std::int64_t callback_attempt(std::int64_t id);
    // Deletes a callback (delivered, or given up on); false when it was not there.
    bool remove_callback(std::int64_t id);
    // Every pending callback, oldest first.
    std::vector<CallbackRow> pending_callbacks();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A random uuid4 in its 36-character text form (getrandom-backed).
std::string new_token();

// Milliseconds since the Unix epoch, now.
std::int64_t now_ms();

}  // namespace server
