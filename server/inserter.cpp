#include "server/inserter.hpp"

#include <pthread.h>

namespace server {

Inserter::Inserter(Store& store, std::size_t max_batch) : store_(store), max_batch_(max_batch) {
    thread_ = std::thread([this] {
        ::pthread_setname_np(::pthread_self(), "inserter");  // for top -H, /proc/PID/task/*/comm
        loop();
    });
}

Inserter::~Inserter() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
}

void Inserter::submit(Record r, Done done) {
    {
        std::lock_guard lock(mu_);
        pending_.emplace_back(std::move(r), std::move(done));
    }
    cv_.notify_one();
}

void Inserter::loop() {
    for (;;) {
        std::vector<std::pair<Record, Done>> batch;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
            if (pending_.empty()) return;  // stopping, nothing left
            if (pending_.size() <= max_batch_) {
                batch.swap(pending_);
            } else {
                auto cut = pending_.begin() + static_cast<std::ptrdiff_t>(max_batch_);
                batch.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(cut));
                pending_.erase(pending_.begin(), cut);
            }
        }
        std::vector<Record> records;
        records.reserve(batch.size());
        for (auto& [r, done] : batch) records.push_back(std::move(r));
        std::exception_ptr error;
        try {
            store_.insert_batch(records);
        } catch (...) {
            error = std::current_exception();
        }
        for (std::size_t i = 0; i < batch.size(); ++i) batch[i].second(records[i], error);
    }
}

}  // namespace server
