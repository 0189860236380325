// The service's request handling: the route table of the Judge0 surface and
// our extensions, auth, the queue bound, wait=true, and what happens when a
// submission finishes (wake its waiters, send its callback). Owns the
// workers, the callbacks and the metrics; the store, the catalog and the
// judge are the caller's.
//
// Thread-safety: handle() may be called from many HTTP threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "judge/languages.hpp"
#include "judge/pipeline.hpp"
#include "server/callbacks.hpp"
#include "server/config.hpp"
#include "server/http_server.hpp"
#include "server/inserter.hpp"
#include "server/judge0.hpp"
#include "server/metrics.hpp"
#include "server/problems.hpp"
#include "server/store.hpp"
#include "server/workers.hpp"

namespace server {

class App {
public:
    App(const Config& cfg, const judge::Catalog& catalog, Store& store, judge::Judge& judge);
    ~App();

    void start_workers(unsigned n);
    // Stops the workers (see Workers::stop: when not joined, the caller must
    // end the process without destroying anything) and drains callbacks.
    Workers::Stopped shutdown(std::chrono::milliseconds grace);

    void handle(Request&& req, Reply reply);

    Metrics& metrics() { return metrics_; }
    // Deletes finished submissions older than purge_after_seconds.
    void purge();

private:
    struct Route;
    void on_finished(const Record& r);
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
    Response statistics();
    Response system_info();
    Response workers_info();
    Response health();
    Response upload_problem(const Request& req, const std::map<std::string, std::string>& q);
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
    Metrics metrics_;
    Callbacks callbacks_;
    Problems problems_;
    std::atomic<std::int64_t> queued_{0};  // In Queue rows: kept here so a POST does not count them
    std::unique_ptr<Workers> workers_;
    std::unique_ptr<Inserter> inserter_;  // after workers_: its completions wake them

    std::mutex waiters_mu_;  // guards waiters_
    std::multimap<std::string, std::function<void(const Record&)>> waiters_;

    std::mutex health_mu_;  // guards the cached sandbox check
    std::chrono::steady_clock::time_point health_checked_{};
    bool sandbox_ok_ = false;
    std::string sandbox_message_;
};

}  // namespace server
