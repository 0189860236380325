// The durable store, as the rest of the service sees it: the queue (claims
// with leases), results, the problem catalog, the callback outbox. Two
// backends implement it, each in its own folder with its own numbered
// migrations under schema/<backend>/: SQLite (store/sqlite, the embedded
// default: one file, one host) and PostgreSQL (store/postgres: any number of
// judged processes on any hosts). Nothing above this interface knows which
// one runs; open_store() picks it from JUDGED_STORE.
//
// Durability: a submission is accepted only once its row is committed.
// insert_groups() writes many callers' rows in one transaction (the
// Inserter's committer thread gathers them), so throughput does not pay one
// commit per request.
//
// Claims, leases, fencing. claim() makes the oldest In Queue row Processing
// in one transaction, recording the worker's identity (host:pid:thread), a
// lease expiry and a new claim number (one more than the row's last). The
// worker renews its lease while it judges (renew); finish() and release()
// act only for the current claim (its number and its worker), so a worker
// whose lease expired and whose row was claimed again cannot overwrite the
// newer claim's result: each submission gets exactly one result. The worker
// is part of the fence too: a claim that was lost while its worker lives on
// (a failover to an asynchronous standby, a restore from a backup) is made
// again under the same number, and only the worker tells the two apart. requeue_expired() (any process,
// now and then) puts rows whose lease ran out back In Queue; requeue_dead()
// does so at once for rows owned by processes of this host that are gone.
//
// Thread-safety: every member may be called from many threads at once.
// Errors: StoreError (the message names the operation: "store: claim: ...";
// unavailable() is true when the database cannot be reached at all, which
// the HTTP side answers with 503) for anything the database refuses;
// std::invalid_argument for a caller's mistake (list's page 0, finish with a
// status that is not final).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
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
    // `code`: the backend's own (SQLite's primary result code; 0 on PostgreSQL).
    StoreError(const std::string& what, int code = 0, bool unavailable = false)
        : std::runtime_error(what), code_(code), unavailable_(unavailable) {}
    int code() const { return code_; }
    // The database could not be reached (no connection, the server down):
    // nothing was done, and the same call may succeed later.
    bool unavailable() const { return unavailable_; }

private:
    int code_;
    bool unavailable_;
};

struct StoreOptions {
    // "sqlite:///var/lib/judge/judge.db" (also a bare path, or ":memory:"),
    // or "postgresql://user:password@host:port/db" (libpq's URI or key=value form).
    std::string url;
    bool synchronous_full = true;  // SQLite: false is NORMAL (safe against a process crash, not a power loss)
    // PostgreSQL: connections per process (one is the notification listener's).
    unsigned pool_size = 8;
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

// One version of an uploaded problem package (see schema/sqlite/0003_problems.sql).
struct ProblemRow {
    std::string id;
    std::int64_t version = 0;
    std::string name;
    std::string summary_json;
    std::string path;
    std::int64_t created_at_ms = 0;
    // sha256 of the package's zip in the store (problem_packages); empty: a
    // row from before packages were stored, with files only at `path`.
    std::string package_sha256 = {};
};

// A live claim: who holds a Processing row, and which claim it is.
struct Lease {
    std::string worker;        // host:pid:thread
    std::int64_t claim_no = 0;
};

// One Processing row as the cluster sees it (GET /workers).
struct ClaimRow {
    std::string token;
    std::string worker;
    std::int64_t claim_no = 0;
    std::int64_t claimed_at_ms = 0;
    std::int64_t lease_expires_ms = 0;
};

// One judging node as the cluster sees it (GET /workers): host:pid, its
// role, how many workers it runs, when it started and when its heartbeat
// last wrote the row (the store's clock). Who judges what: claims().
struct NodeRow {
    std::string node;
    std::string role;
    std::int64_t workers = 0;
    std::int64_t started_at_ms = 0;
    std::int64_t seen_at_ms = 0;
};

// One pending callback of the outbox (see schema/sqlite/0005_callbacks.sql).
struct CallbackRow {
    std::int64_t id = 0;
    std::string token;
    std::string url;
    std::string body;
    std::int64_t tries_used = 0;
    std::int64_t created_at_ms = 0;
    std::string owner;                  // host:pid of the node sending it; empty: none
    std::int64_t lease_expires_ms = 0;  // 0: none
};

class Store {
public:
    virtual ~Store() = default;
    Store() = default;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    virtual std::string backend() const = 0;  // "sqlite", "postgresql"
    virtual int schema_version() = 0;          // the last migration applied
    virtual int latest_schema_version() const = 0;  // the last one this binary has

    // Inserts and commits, all or none, in one transaction (see Durability).
    // Fills each r.id, r.created_at_ms (now) and r.token when empty (a fresh
    // uuid4); status is set to In Queue. The records are unchanged when it
    // throws.
    void insert_batch(std::vector<Record>& rs);
    // Every group in one transaction, each group all or none (see
    // InsertGroup). Throws StoreError, nothing written, when the commit
    // itself fails (the disk, the lock, the connection).
    virtual void insert_groups(std::vector<InsertGroup>& groups) = 0;

    virtual std::optional<Record> get(std::string_view token) = 0;
    // One entry per token, in order; nullopt for an unknown token.
    virtual std::vector<std::optional<Record>> get_many(const std::vector<std::string>& tokens) = 0;

    struct Page {
        std::vector<Record> records;  // newest first (created_at, then id)
        std::int64_t total = 0;       // all submissions
    };
    // page counts from 1 (page or per_page below 1: std::invalid_argument).
    virtual Page list(std::int64_t page, std::int64_t per_page) = 0;

    enum class RemoveResult { removed, not_found, busy };
    // Deletes a finished submission; `busy` (nothing deleted) when it is In
    // Queue or Processing. `removed` fills *out with the row as it was.
    virtual RemoveResult remove(std::string_view token, Record* out) = 0;

    // --- The queue (see Claims, leases, fencing).
    // The oldest In Queue submission, now Processing by `worker` until
    // now + lease; r.worker and r.claim_no name the claim. nullopt when the
    // queue is empty.
    virtual std::optional<Record> claim(std::string_view worker, std::chrono::milliseconds lease) = 0;
    // Extends a claim's lease to now + lease; false when the claim is no
    // longer current (requeued, claimed again, finished, deleted).
    virtual bool renew(std::string_view token, std::string_view worker, std::int64_t claim_no,
                       std::chrono::milliseconds lease) = 0;
    // Writes r's outputs (status_id, stdout_data ... problem_result_json,
    // finished_at_ms; now when r has none) to its row, for the claim
    // (r.worker, r.claim_no); the inputs are not touched, the worker stays as a record of
    // who judged it. true also when this claim's result is already stored
    // (a retry after a lost answer; nothing is written again); false
    // (nothing written) when the claim is no longer current.
    // std::invalid_argument when r.status_id is not final (3..14).
    virtual bool finish(const Record& r) = 0;
    // Puts a claimed submission back In Queue (graceful shutdown).
    virtual bool release(std::string_view token, std::string_view worker, std::int64_t claim_no) = 0;
    // Processing rows whose lease has run out, back In Queue; returns the tokens.
    virtual std::vector<std::string> requeue_expired() = 0;
    // Processing rows owned by a process of `host` for which dead(pid) is
    // true, back In Queue at once (a restart after a crash need not wait for
    // the lease); returns how many.
    std::int64_t requeue_dead(std::string_view host, const std::function<bool(long pid)>& dead);
    // Every Processing row (GET /workers).
    virtual std::vector<ClaimRow> claims() = 0;
    // A judging node's heartbeat: writes n (seen now, by the store's clock;
    // n.seen_at_ms is ignored) and deletes every node not seen for `expiry`
    // (a dead node: its claims' leases have run out too).
    virtual void beat_node(const NodeRow& n, std::chrono::milliseconds expiry) = 0;
    // Nodes seen within `within`, by node name.
    virtual std::vector<NodeRow> nodes(std::chrono::milliseconds within) = 0;
    // A node stopping cleanly takes its row out; false when it was not there.
    virtual bool remove_node(std::string_view node) = 0;

    // --- Notifications between nodes. Events reach `on` from a thread of
    // the store's: queued (rows were queued by any node), finished(token)
    // (any node stored a result), and resync (the channel was down: events
    // may have been missed, look again). A backend without them (SQLite:
    // one host, where callers poll slowly besides their own wake-ups)
    // returns false and never calls `on`. Call once, before the events
    // matter; stop_listening() (or the destructor) ends it.
    struct Events {
        std::function<void()> queued;
        std::function<void(const std::string& token)> finished;
        std::function<void()> resync;
    };
    virtual bool listen(Events on) {
        static_cast<void>(on);
        return false;
    }
    virtual void stop_listening() {}

    virtual std::int64_t count_in_queue() = 0;
    virtual std::int64_t count_processing() = 0;
    // Finished submissions created before `before_ms` are deleted; returns how many.
    virtual std::int64_t purge_finished_before(std::int64_t before_ms) = 0;
    // Idempotency keys older than the retention window are deleted; returns how many.
    virtual std::int64_t purge_idempotency_keys() = 0;
    virtual Statistics statistics() = 0;
    // A write that proves the database is writable (GET /health).
    virtual bool writable() = 0;

    // --- Problems (a catalog of package versions; the files are the caller's).
    // The next version number for `id` (1 for a new one).
    virtual std::int64_t next_problem_version(std::string_view id) = 0;
    // Records a version and, when p.package_sha256 is set, its package zip
    // (`package`, kept once per sha256), in one transaction. Throws
    // StoreError when (id, version) exists.
    virtual void add_problem(const ProblemRow& p, std::string_view package = {}) = 0;
    // A stored package's zip by sha256; nullopt when there is none.
    virtual std::optional<std::string> package(std::string_view sha256) = 0;
    // `version` nullopt: the latest.
    virtual std::optional<ProblemRow> problem(std::string_view id,
                                              std::optional<std::int64_t> version = std::nullopt) = 0;
    // The latest version of every problem, by id.
    virtual std::vector<ProblemRow> problems() = 0;
    virtual std::vector<ProblemRow> problem_versions(std::string_view id) = 0;
    // True while a queued or running submission names the problem.
    virtual bool problem_in_use(std::string_view id) = 0;
    // Deletes every version's row, and each package no other row uses;
    // returns the rows (their folders are the caller's to remove).
    virtual std::vector<ProblemRow> remove_problem(std::string_view id) = 0;

    // --- Callback outbox (server/work/callbacks.hpp).
    // Adds a pending callback with no tries used, owned by `owner` (host:pid)
    // for `lease` (none when owner is empty); returns its id.
    virtual std::int64_t add_callback(std::string_view token, const std::string& url, const std::string& body,
                                      std::string_view owner = {}, std::chrono::milliseconds lease = {}) = 0;
    // Extends the lease of every callback `owner` holds; returns how many.
    virtual std::int64_t renew_callbacks(std::string_view owner, std::chrono::milliseconds lease) = 0;
    // Takes for `owner` (with a new lease) every callback with no owner, a
    // lease run out, or an owner in `dead_owners`; returns them. Rows another
    // adopter takes at the same time are never returned to both.
    virtual std::vector<CallbackRow> adopt_callbacks(std::string_view owner, std::chrono::milliseconds lease,
                                                     const std::vector<std::string>& dead_owners) = 0;
    // Counts one more attempt begun; returns the tries used now (0: no such row).
    virtual std::int64_t callback_attempt(std::int64_t id) = 0;
    // Deletes a callback (delivered, or given up on); false when it was not there.
    virtual bool remove_callback(std::int64_t id) = 0;
    // Every pending callback, oldest first.
    virtual std::vector<CallbackRow> pending_callbacks() = 0;

protected:
    // requeue_dead's backend part: Processing rows whose worker starts with
    // "<host>:", as (token, claim_no, worker).
    virtual std::vector<ClaimRow> claims_of_host(std::string_view host) = 0;
};

// The backend `opts.url` names, opened (connected, checked, migrated).
// Throws StoreError for a url it cannot open, and std::invalid_argument for
// one it cannot read.
std::unique_ptr<Store> open_store(const StoreOptions& opts);

// A random uuid4 in its 36-character text form (getrandom-backed).
std::string new_token();

// Milliseconds since the Unix epoch, now.
std::int64_t now_ms();

}  // namespace server
