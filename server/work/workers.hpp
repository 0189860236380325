// Worker threads: each claims the oldest queued submission from the store
// (one transaction), judges it with the judge core, writes the result, then
// calls on_finished (wakes wait=true requests, sends the callback). The HTTP
// side never waits on a sandbox: it only inserts rows and calls notify().
// Each worker thread lowers its own nice value to JUDGED_WORKER_NICE at its
// start, so judging yields the CPU to HTTP.
//
// Identity and leases: worker N of this process claims as host:pid:N (unique
// across processes and hosts). A heartbeat thread renews the lease of every
// running claim each heartbeat, and puts back In Queue any row of the store
// whose lease has run out (another node died); at start, rows held by dead
// processes of this host are queued again at once. A result whose claim is
// no longer current is dropped and counted (Metrics::stale_result).
//
// Shutdown: stop() stops claiming, lets running submissions finish within
// the grace period, and puts the ones still running back In Queue (they are
// judged again after a restart; nothing accepted is lost). A thread still
// inside a box then cannot be interrupted, so it is never detached: stop()
// says it is not joined, and the caller must end the process without
// destroying anything that thread uses (main: std::_Exit; the boxes die
// with the process). The destructor joins whatever is left, so a Workers
// can never be destroyed under a running thread.
//
// Thread-safety: notify(), busy(), size() from any thread; start() and
// stop() from one controlling thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "judge/languages.hpp"
#include "judge/pipeline.hpp"
#include "server/config.hpp"
#include "server/metrics.hpp"
#include "server/work/problems.hpp"
#include "server/record.hpp"
#include "server/store/store.hpp"

namespace server {

// Writes a finished submission's result (Store::finish) until it is stored:
// a failure (the disk full, the database locked) is logged, counted
// (Metrics::store_retry) and tried again after a pause that doubles from
// 100 ms up to 5 s. `pause(d)` waits up to d and returns true to give up (the
// workers are stopping: the row stays Processing and is queued again at the
// next start). Returns finish()'s answer (false: the row is no longer this
// worker's), or nullopt when it gave up.
std::optional<bool> store_result(Store& store, const Record& r, Metrics& metrics,
                                 const std::function<bool(std::chrono::milliseconds)>& pause);

// This process's prefix of worker identities: "<host>:<pid>".
std::string node_identity();

class Workers {
public:
    using OnFinished = std::function<void(const Record&)>;
    using OnClaimed = std::function<void()>;
    Workers(Store& store, judge::Judge& judge, const judge::Catalog& catalog, const Config& cfg, Metrics& metrics,
            Problems& problems, OnClaimed on_claimed, OnFinished on_finished);
    ~Workers();  // stop(0) if still running, then joins every thread (waits for boxes still running)

    void start(unsigned n);
    void notify();  // a submission was queued
    struct Stopped {
        std::vector<std::string> released;  // tokens put back In Queue
        bool joined = true;                 // false: a thread is still in a box (not joined)
    };
    Stopped stop(std::chrono::milliseconds grace);

    unsigned busy() const { return busy_; }
    unsigned size() const { return started_; }
    const std::string& node() const { return node_; }

private:
    void loop(unsigned index);
    void process(Record r);
    void heartbeat();
    void beat_node();  // this node's row in the store's nodes (GET /workers)
    std::chrono::milliseconds lease() const { return std::chrono::seconds(cfg_.lease_seconds); }

    Store& store_;
    judge::Judge& judge_;
    const judge::Catalog& catalog_;
    const Config& cfg_;
    Metrics& metrics_;
    Problems& problems_;
    OnClaimed on_claimed_;
    OnFinished on_finished_;
    std::vector<std::thread> threads_;  // joinable until joined by stop() or the destructor
    unsigned started_ = 0;              // threads_ started and not yet stopped
    std::atomic<unsigned> busy_{0};

    std::thread heartbeat_;
    const std::string node_;  // host:pid
    std::int64_t started_at_ms_ = 0;

    std::mutex mu_;  // guards wakeups_, stopping_, heartbeat_stop_, running_, exited_
    std::condition_variable cv_;
    std::condition_variable done_cv_;
    std::uint64_t wakeups_ = 0;
    bool stopping_ = false;
    bool heartbeat_stop_ = false;
    struct Running {
        std::string token, worker;
        std::int64_t claim_no;
    };
    std::vector<Running> running_;  // the claims being judged
    unsigned exited_ = 0;
};

}  // namespace server
