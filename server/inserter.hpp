// Accepting submissions without holding an HTTP thread on the disk: records
// go to one committer thread, which writes everything that arrived while the
// previous commit was on its way to the disk in one transaction
// (Store::insert_batch: one fsync for the lot), then calls each record's
// completion. A client is told "accepted" only from that completion, after
// the commit.
//
// Thread-safety: submit() from any thread; completions run on the
// committer thread (keep them short: post the reply, wake a worker).
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "server/store.hpp"

namespace server {

class Inserter {
public:
    // `error` is null when the record is stored (r.id, r.token, r.created_at_ms set).
    using Done = std::function<void(const Record& r, std::exception_ptr error)>;

    explicit Inserter(Store& store, std::size_t max_batch = 512);
    ~Inserter();  // commits what is pending, then stops
    Inserter(const Inserter&) = delete;
    Inserter& operator=(const Inserter&) = delete;

    void submit(Record r, Done done);

private:
    void loop();

    Store& store_;
    std::size_t max_batch_;
    std::mutex mu_;  // guards pending_, stopping_
    std::condition_variable cv_;
    std::vector<std::pair<Record, Done>> pending_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace server
