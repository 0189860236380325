// The service's request handling: the route table of the Judge0 surface and
// our extensions, auth, the queue bound, wait=true, and what happens when a
// submission finishes (wake its waiters, send its callback). Owns the
// workers, the callbacks and the metrics; the store, the catalog and the
// judge are the caller's.
//
// Thread-safety: handle() may be called from many HTTP threads at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "judge/languages.hpp"
#include "judge/pipeline.hpp"
#include "server/work/callbacks.hpp"
#include "server/config.hpp"
#include "server/http/cors.hpp"
#include "server/http/http_server.hpp"
#include "server/work/inserter.hpp"
#include "server/judge0/judge0.hpp"
#include "server/metrics.hpp"
#include "server/work/problems.hpp"
#include "server/store/store.hpp"
#include "server/work/workers.hpp"

namespace server {

class App {
public:
    App(const Config& cfg, const judge::Catalog& catalog, Store& store, judge::Judge& judge);
    ~App();

    // Starts `n` judging threads (0 on an api node: the heartbeat that
    // requeues dead nodes' work still runs) and the queue count's refresher.
    void start_workers(unsigned n);
    // Stops the workers (see Workers::stop: when not joined, the caller must
    // end the process without destroying anything) and drains callbacks.
    Workers::Stopped shutdown(std::chrono::milliseconds grace);

    void handle(Request&& req, Reply reply);

    Metrics& metrics() { return metrics_; }
    // Deletes finished submissions older than purge_after_seconds.
    void purge();

    // How much a route asks of the caller. authz: Judge0's authorization,
    // open when no AUTHZ_TOKEN is configured. operator_: refused unless an
    // AUTHZ_TOKEN is configured and given (uploading or deleting problems,
    // deleting submissions must never be open to anyone).
    enum class Auth { none, authn, authz, operator_ };
    struct Call;
    // One row of the route table. `pattern` is a literal path, or ends in
    // "{}" which matches one non-empty last segment (Call::arg).
    struct Route {
        boost::beast::http::verb method;
        const char* pattern;
        Auth auth;
        void (*handler)(App&, Call&);
    };
    static const std::vector<Route>& routes();

    // How long wait=true waits for `r` to finish before answering with the
    // row as it is then: compile wall limit (when the language compiles) +
    // wall limit x runs x tests, plus a margin.
    std::chrono::milliseconds wait_deadline(const Record& r) const;

private:
    void on_finished(const Record& r);
    // Answers the wait=true requests of a finished row.
    void wake_waiters(const Record& r);
    // Another node finished `token`: wakes its waiters here, if any.
    void finished_elsewhere(const std::string& token);
    // Reads every waited-for row and wakes those that finished.
    void poll_waiters();
    bool shared_events_ = false;  // the store tells us of other nodes' work
    // Removes wait=true waiter `id` of `token`; false when on_finished took it.
    bool take_waiter(const std::string& token, std::uint64_t id);
    bool authenticated(const Request& req, const std::map<std::string, std::string>& q) const;
    bool authorized(const Request& req, const std::map<std::string, std::string>& q) const;

    // Replies itself (after the commit) when it returns true in *replied_later.
    Response create(const Request& req, const std::map<std::string, std::string>& q, const Reply& reply, bool* replied_later);
    Response create_batch(const Request& req, const std::map<std::string, std::string>& q, const Reply& reply,
                          bool* replied_later);
    void answer_replay(const Record& earlier, bool wait, const std::vector<std::string>& fields, bool base64,
                       const Reply& reply);
    Response get_batch(const std::map<std::string, std::string>& q);
    Response get_one(const std::string& token, const std::map<std::string, std::string>& q);
    Response list(const std::map<std::string, std::string>& q);
    Response remove(const std::string& token, const std::map<std::string, std::string>& q);
    Response languages(bool all);
    Response language(const std::string& id);
    // Judge0's shape, cached for 10 minutes unless `invalidate`.
    Response statistics(bool invalidate);
    Response workers_info();
    void health(Reply reply);
    void run_health_probe();
    void upload_problem(const Call& c);
    Response get_problem(const std::string& id, const std::map<std::string, std::string>& q);
    Response list_problems();
    Response delete_problem(const std::string& id);
    // problem_id / problem_version of a submission body (extension).
    void attach_problem(const nlohmann::json& body, Record& r, judge0::FieldErrors& errors);
    // Extra checks the pure mapping cannot make (they need the judge layer):
    // compiler options and arguments split, additional files unpack,
    // callback URL reachable by our client, tests all with or all without
    // expected output.
    void check_record(const Record& r, judge0::FieldErrors& errors) const;

    const Config& cfg_;
    const judge::Catalog& catalog_;
    Store& store_;
    judge::Judge& judge_;
    judge0::LanguageLookup lookup_;
    OriginPolicy origins_;  // ALLOW_ORIGIN / DISALLOW_ORIGIN
    Metrics metrics_;
    Callbacks callbacks_;
    Problems problems_;
    // In Queue rows across every node: the store's count, read again each
    // second (refresh_queue), plus this node's inserts and claims since; a
    // POST never waits on a count.
    std::atomic<std::int64_t> queued_{0};
    void refresh_queue();
    std::thread queue_refresher_;
    std::mutex refresh_mu_;  // guards stop_refresh_
    std::condition_variable refresh_cv_;
    bool stop_refresh_ = false;
    std::unique_ptr<Workers> workers_;
    std::unique_ptr<Inserter> inserter_;  // after workers_: its completions wake them

    struct Waiter {
        std::uint64_t id;
        std::function<void(const Record&)> wake;
    };
    std::mutex waiters_mu_;  // guards waiters_, next_waiter_
    std::multimap<std::string, Waiter> waiters_;
    std::uint64_t next_waiter_ = 0;

    std::mutex statistics_mu_;  // guards the two below
    std::string statistics_;
    std::int64_t statistics_until_ms_ = 0;

    std::mutex health_mu_;  // guards the fields below
    std::chrono::steady_clock::time_point health_checked_{};
    bool sandbox_ok_ = false;
    std::string sandbox_message_;
    bool probe_running_ = false;          // at most one probe at a time
    std::vector<Reply> health_waiters_;   // answered by the running probe

    // Blocking work runs on these pools, never on an HTTP I/O thread;
    // replies are posted back to their sessions. Packages (unpacking and
    // compiling take seconds) have their own, so a burst of uploads does not
    // delay the health probe's box or wait=true's deadline reads. Last
    // members: joined first (~App), while what their tasks use still exists.
    boost::asio::thread_pool packages_{2};
    boost::asio::thread_pool blocking_{2};
};

}  // namespace server
