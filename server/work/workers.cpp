#include "server/work/workers.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "server/work/grading.hpp"
#include "server/log.hpp"

namespace server {

std::optional<bool> store_result(Store& store, const Record& r, Metrics& metrics,
                                 const std::function<bool(std::chrono::milliseconds)>& pause) {
    std::chrono::milliseconds delay(100);
    for (;;) {
        try {
            return store.finish(r);
        } catch (const std::exception& e) {
            log_line("worker", r.token, std::string("storing the result failed (trying again in ") +
                                            std::to_string(delay.count()) + " ms): " + e.what());
        }
        metrics.store_retry();
        if (pause(delay)) return std::nullopt;
        delay = std::min(delay * 2, std::chrono::milliseconds(5000));
    }
}

std::string node_identity() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == 0) std::strcpy(host, "localhost");
    return std::string(host) + ":" + std::to_string(::getpid());
}

Workers::Workers(Store& store, judge::Judge& judge, const judge::Catalog& catalog, const Config& cfg,
                 Metrics& metrics, Problems& problems, OnClaimed on_claimed, OnFinished on_finished)
    : store_(store), judge_(judge), catalog_(catalog), cfg_(cfg), metrics_(metrics), problems_(problems),
      on_claimed_(std::move(on_claimed)), on_finished_(std::move(on_finished)), node_(node_identity()) {}

Workers::~Workers() {
    if (started_) stop(std::chrono::milliseconds(0));
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    if (heartbeat_.joinable()) heartbeat_.join();
}

void Workers::start(unsigned n) {
    std::filesystem::create_directories(cfg_.data_dir + "/tmp");
    judge::set_warning_sink([](const std::string& m) { log_line("judge", "-", m); });
    judge::sweep_leftovers(cfg_.data_dir + "/tmp");  // what a killed run left
    // A previous run of this host that crashed left its rows Processing:
    // queue them now rather than after their lease. Our own pid counts as
    // dead too (a restarted container is often pid 1 again): no thread of
    // ours has claimed anything yet.
    const std::string host = node_.substr(0, node_.rfind(':'));
    try {
        const long self = ::getpid();
        if (auto k = store_.requeue_dead(host, [self](long pid) {
                return pid == self || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
            }))
            log_line("store", "", std::to_string(k) + " submissions left Processing by a dead process of this host queued again");
    } catch (const std::exception& e) {
        log_line("store", "", std::string("requeueing a dead process's claims failed (their leases will): ") + e.what());
    }
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this, i] { loop(i); });
    started_ = static_cast<unsigned>(threads_.size());
    started_at_ms_ = now_ms();
    beat_node();
    heartbeat_ = std::thread([this] { heartbeat(); });
}

void Workers::beat_node() {
    if (started_ == 0) return;  // an api node: nothing to list among workers
    NodeRow n;
    n.node = node_;
    n.role = cfg_.role;
    n.workers = started_;
    n.started_at_ms = started_at_ms_;
    try {
        store_.beat_node(n, lease());
    } catch (const std::exception& e) {
        log_line("store", "", std::string("writing this node's heartbeat failed: ") + e.what());
    }
}

// Renews this node's leases and queues rows whose lease ran out, each
// heartbeat. A renewal refused means the row is no longer ours: its worker
// goes on, and its result will be dropped as stale.
void Workers::heartbeat() {
    ::pthread_setname_np(::pthread_self(), "heartbeat");
    const auto period = std::chrono::seconds(cfg_.heartbeat_seconds);
    std::unique_lock lock(mu_);
    // Until stop() has released what it could: running work keeps its
    // leases through the shutdown grace.
    while (!done_cv_.wait_for(lock, period, [&] { return heartbeat_stop_; })) {
        const auto running = running_;
        lock.unlock();
        for (const auto& [token, worker, claim_no] : running) {
            try {
                if (!store_.renew(token, worker, claim_no, lease()))
                    log_line("worker", token, "lease lost (claim " + std::to_string(claim_no) +
                                                  " is no longer current): its result will be dropped");
            } catch (const std::exception& e) {
                log_line("worker", token, std::string("renewing the lease failed: ") + e.what());
            }
        }
        beat_node();
        try {
            const std::vector<std::string> requeued = store_.requeue_expired();
            for (const std::string& t : requeued) log_line("store", t, "lease expired: queued again");
            if (!requeued.empty()) {
                metrics_.requeued_expired(requeued.size());
                notify();
            }
        } catch (const std::exception& e) {
            log_line("store", "", std::string("requeueing expired claims failed: ") + e.what());
        }
        lock.lock();
    }
}

void Workers::notify() {
    {
        std::lock_guard lock(mu_);
        ++wakeups_;
    }
    cv_.notify_one();
}

void Workers::loop(unsigned index) {
    const std::string name = node_ + ":" + std::to_string(index);
    // Named for top -H and /proc/PID/task/*/comm (15 bytes at most).
    ::pthread_setname_np(::pthread_self(), ("worker-" + std::to_string(index)).substr(0, 15).c_str());
    // Judging yields the CPU to the HTTP threads: on Linux a nice value is
    // per thread, so this lowers this thread alone (and whatever it starts:
    // boxes made on the spot, an interactor's thread), not the process.
    if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), cfg_.worker_nice) != 0)
        log_line("worker", name, "setpriority(" + std::to_string(cfg_.worker_nice) + ") failed: " +
                                     std::strerror(errno) + "; judging at the process's priority");
    std::uint64_t seen = 0;
    for (;;) {
        {
            std::lock_guard lock(mu_);
            if (stopping_) break;
            seen = wakeups_;
        }
        std::optional<Record> r;
        try {
            r = store_.claim(name, lease());
        } catch (const std::exception& e) {
            log_line("worker", name, std::string("claim failed: ") + e.what());
        }
        if (!r) {
            // Sleep until an insert says there is work (no polling of the
            // database: the timeout is only a backstop).
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, std::chrono::seconds(5), [&] { return stopping_ || wakeups_ != seen; });
            continue;
        }
        if (on_claimed_) on_claimed_();
        {
            std::lock_guard lock(mu_);
            running_.push_back({r->token, r->worker, r->claim_no});
        }
        ++busy_;
        const std::string token = r->token;
        process(std::move(*r));
        --busy_;
        {
            std::lock_guard lock(mu_);
            std::erase_if(running_, [&](const Running& p) { return p.token == token; });
        }
        done_cv_.notify_all();
    }
    {
        std::lock_guard lock(mu_);
        ++exited_;
    }
    done_cv_.notify_all();
}

void Workers::process(Record r) {
    const auto t0 = std::chrono::steady_clock::now();
    try {
        if (r.problem_id) {
            const auto problem = problems_.load(*r.problem_id, r.problem_version.value_or(0));
            const judge::Submission s = to_problem_submission(r, catalog_, cfg_);
            const judge::ContestResult res = judge::grade(judge_, catalog_, *problem, s);
            apply_contest_result(r, res, *problem);
        } else {
            judge::TempDir dir(cfg_.data_dir + "/tmp", "sub");
            const judge::Submission s = to_judge_submission(r, catalog_, cfg_, dir.path());
            const judge::JudgeResult res = judge_.judge(s);
            apply_result(r, res);
        }
    } catch (const std::exception& e) {
        apply_internal_error(r, std::string("judge: ") + e.what());
    }
    r.finished_at_ms = now_ms();
    const double judging = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::optional<bool> stored = store_result(store_, r, metrics_, [this](std::chrono::milliseconds d) {
        const auto until = std::chrono::steady_clock::now() + d;
        std::unique_lock lock(mu_);
        for (;;) {
            const std::uint64_t seen = wakeups_;
            if (!cv_.wait_until(lock, until, [&] { return stopping_ || wakeups_ != seen; })) return false;
            if (stopping_) return true;
            cv_.notify_all();  // notify() woke this thread, not an idle one: pass it on
        }
    });
    if (!stored) {
        log_line("worker", r.token, "result not stored before shutdown: the submission is judged again at the next start");
        return;
    }
    if (!*stored) {
        // The lease ran out and the row was queued again (or claimed by
        // another worker), or a shutdown gave up on us: the current claim's
        // result is the one that counts.
        metrics_.stale_result();
        log_line("worker", r.token, "result dropped: claim " + std::to_string(r.claim_no) + " is no longer current");
        return;
    }
    if (r.status_id == status::internal_error) {
        metrics_.internal_error();
        log_line("worker", r.token, "internal error: " + r.message.value_or(""));
    }
    metrics_.finished(r.status_id, r.language_id, static_cast<double>(*r.finished_at_ms - r.created_at_ms) / 1000.0,
                      judging);
    if (on_finished_) on_finished_(r);
}

Workers::Stopped Workers::stop(std::chrono::milliseconds grace) {
    Stopped out;
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    std::unique_lock lock(mu_);
    done_cv_.wait_for(lock, grace, [&] { return exited_ == threads_.size(); });
    for (const auto& [token, worker, claim_no] : running_) {
        try {
            if (store_.release(token, worker, claim_no)) out.released.push_back(token);
        } catch (const std::exception& e) {
            log_line("worker", token, std::string("release failed: ") + e.what());
        }
    }
    // Decided after the releases: a thread that exits meanwhile is joined.
    out.joined = exited_ == threads_.size();
    heartbeat_stop_ = true;
    lock.unlock();
    done_cv_.notify_all();
    if (out.joined) {
        for (auto& t : threads_)
            if (t.joinable()) t.join();
        threads_.clear();
        if (heartbeat_.joinable()) heartbeat_.join();
        // After the heartbeat's last beat. A node with a thread still in a
        // box keeps its row until the lease: it is still judging.
        try {
            store_.remove_node(node_);
        } catch (const std::exception& e) {
            log_line("store", "", std::string("removing this node's row failed (it expires with the lease): ") + e.what());
        }
    }
    started_ = 0;
    return out;
}

}  // namespace server
