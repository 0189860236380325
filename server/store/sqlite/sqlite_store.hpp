// The SQLite backend (SQLiteCpp): one database file in WAL mode, the
// embedded default. Its schema is the numbered migrations in schema/sqlite/
// (compiled in); opening applies the ones a database has not seen yet, each
// in its own IMMEDIATE transaction with PRAGMA user_version, so a database
// from an older version is upgraded in place and two processes starting at
// once do not both apply one.
//
// Durability: with synchronous=FULL every commit reaches the disk.
//
// Claims: an IMMEDIATE transaction takes the file's write lock before its
// SELECT, so two connections (threads or processes on one data folder) never
// claim one row; leases make a second process on the same folder safe (its
// rows are not requeued while it renews them).
//
// Opening refuses a damaged database rather than serving until a read hits
// the damage: PRAGMA quick_check must pass, and a file that is empty or gone
// while its marker (<path>.marker, written once the database exists) is
// there is refused too, so a fresh database is never made over a lost one.
//
// Connections: writes share one connection (guarded by a mutex); reads
// (get, list, counts, statistics, problems) each take a connection of their
// own from a pool, so a commit waiting on the disk or on another process's
// lock never delays a read (WAL: readers see the last commit and do not
// block the writer). StoreError::code() is SQLite's primary result code
// (SQLITE_BUSY 5, SQLITE_CONSTRAINT 19). The constructor throws for a file
// it cannot open, check or migrate, or a database newer than this binary.
#pragma once

#include <memory>
#include <string>

#include "server/store/store.hpp"

namespace server {

class SqliteStore final : public Store {
public:
    // `path` ":memory:" for an in-memory database (tests).
    explicit SqliteStore(const std::string& path, StoreOptions opts = {});
    ~SqliteStore() override;

    std::string backend() const override { return "sqlite"; }
    int schema_version() override;
    int latest_schema_version() const override;
    static int latest_version();

    void insert_groups(std::vector<InsertGroup>& groups) override;
    std::optional<Record> get(std::string_view token) override;
    std::vector<std::optional<Record>> get_many(const std::vector<std::string>& tokens) override;
    Page list(std::int64_t page, std::int64_t per_page) override;
    RemoveResult remove(std::string_view token, Record* out) override;

    std::optional<Record> claim(std::string_view worker, std::chrono::milliseconds lease) override;
    bool renew(std::string_view token, std::string_view worker, std::int64_t claim_no,
               std::chrono::milliseconds lease) override;
    bool finish(const Record& r) override;
    bool release(std::string_view token, std::string_view worker, std::int64_t claim_no) override;
    std::vector<std::string> requeue_expired() override;
    std::vector<ClaimRow> claims() override;
    void beat_node(const NodeRow& n, std::chrono::milliseconds expiry) override;
    std::vector<NodeRow> nodes(std::chrono::milliseconds within) override;
    bool remove_node(std::string_view node) override;

    std::int64_t count_in_queue() override;
    std::int64_t count_processing() override;
    std::int64_t purge_finished_before(std::int64_t before_ms) override;
    std::int64_t purge_idempotency_keys() override;
    Statistics statistics() override;
    bool writable() override;

    std::int64_t next_problem_version(std::string_view id) override;
    void add_problem(const ProblemRow& p, std::string_view package = {}) override;
    std::optional<std::string> package(std::string_view sha256) override;
    std::optional<ProblemRow> problem(std::string_view id, std::optional<std::int64_t> version) override;
    std::vector<ProblemRow> problems() override;
    std::vector<ProblemRow> problem_versions(std::string_view id) override;
    bool problem_in_use(std::string_view id) override;
    std::vector<ProblemRow> remove_problem(std::string_view id) override;

    std::int64_t add_callback(std::string_view token, const std::string& url, const std::string& body,
                              std::string_view owner = {}, std::chrono::milliseconds lease = {}) override;
    std::int64_t renew_callbacks(std::string_view owner, std::chrono::milliseconds lease) override;
    std::vector<CallbackRow> adopt_callbacks(std::string_view owner, std::chrono::milliseconds lease,
                                             const std::vector<std::string>& dead_owners) override;
    std::int64_t callback_attempt(std::int64_t id) override;
    bool remove_callback(std::int64_t id) override;
    std::vector<CallbackRow> pending_callbacks() override;

protected:
    std::vector<ClaimRow> claims_of_host(std::string_view host) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace server
