// The PostgreSQL backend, on libpq (Debian's libpq-dev): any number of
// judged processes on any hosts share one database. Its schema is the
// numbered migrations in schema/postgres/ (compiled in), applied at open in
// one transaction under an advisory lock (nodes may start at once; an
// ordinary role that owns its database is enough).
//
// Claims: one statement, `UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP
// LOCKED)`, so concurrent claimers never wait on each other's row. Lease
// times are the database server's clock (clock_timestamp()), so hosts whose
// clocks disagree still agree on when a lease ends.
//
// Notifications: a commit that queues rows sends NOTIFY judge_queued, and
// finish() sends judge_finished with the token (PostgreSQL delivers them at
// commit, to every listening node; see listen()).
//
// Connections: at most StoreOptions::pool_size per process, made on demand
// and kept. A connection found broken (the server restarted, the network
// dropped) is discarded with every idle one; the call fails with
// StoreError::unavailable() (a read is tried once more on a fresh
// connection), and new connections are attempted with a backoff from 100 ms
// doubling to 2 s (well inside a lease), so a database that is down costs a fast 503, not a
// connect per request. StoreError::code() is 0; the message carries the
// SQLSTATE.
#pragma once

#include <memory>
#include <string>

#include "server/store/store.hpp"

namespace server {

class PostgresStore final : public Store {
public:
    // `conninfo`: libpq's URI (postgresql://user:password@host:port/db) or
    // key=value string.
    PostgresStore(const std::string& conninfo, const StoreOptions& opts = {});
    ~PostgresStore() override;

    std::string backend() const override { return "postgresql"; }
    int schema_version() override;
    int latest_schema_version() const override;

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

    // A connection of its own (not the pool's) LISTENs to judge_queued and
    // judge_finished; a dropped one is made again (backoff as the pool's),
    // then resync is called.
    bool listen(Events on) override;
    void stop_listening() override;

protected:
    std::vector<ClaimRow> claims_of_host(std::string_view host) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace server
