// Accepting submissions without holding an HTTP thread on the disk: callers'
// groups of records (one POST each) go to one committer thread, which writes
// everything that arrived while the previous commit was on its way to the
// disk in one transaction (Store::insert_groups: one fsync for the lot),
// then calls each group's completion. A client is told "accepted" only from
// that completion, after the commit.
//
// Thread-safety: submit() from any thread; completions run on the
// committer thread (keep them short: post the reply, wake a worker).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "server/store/store.hpp"

namespace server {

class Inserter {
public:
    // `error` is null when the group is stored: g.outcomes says, per record,
    // what became of it (see InsertGroup). Otherwise nothing of the group is
    // written: the commit failed, or the database refused the group alone.
    using Done = std::function<void(InsertGroup& g, std::exception_ptr error)>;

    explicit Inserter(Store& store, std::size_t max_batch = 512);
    ~Inserter();  // commits what is pending, then stops
    Inserter(const Inserter&) = delete;
    Inserter& operator=(const Inserter&) = delete;

    void submit(InsertGroup g, Done done);

    // Transactions committed (or tried) so far; records written with them.
    std::uint64_t commits() const { return commits_; }
    std::uint64_t records() const { return records_; }

private:
    void loop();

    Store& store_;
    std::size_t max_batch_;  // records per commit, at least one group
    std::mutex mu_;          // guards pending_, stopping_
    std::condition_variable cv_;
    std::vector<std::pair<InsertGroup, Done>> pending_;
    bool stopping_ = false;
    std::atomic<std::uint64_t> commits_{0}, records_{0};
    std::thread thread_;
};

}  // namespace server
