#include "server/work/inserter.hpp"

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

void Inserter::submit(InsertGroup g, Done done) {
    {
        std::lock_guard lock(mu_);
        pending_.emplace_back(std::move(g), std::move(done));
    }
    cv_.notify_one();
}

void Inserter::loop() {
    for (;;) {
        std::vector<std::pair<InsertGroup, Done>> batch;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
            if (pending_.empty()) return;  // stopping, nothing left
            // Whole groups, up to max_batch_ records (a bigger group goes alone).
            std::size_t n = 0, records = 0;
            while (n < pending_.size() &&
                   (n == 0 || records + pending_[n].first.records.size() <= max_batch_)) {
                records += pending_[n].first.records.size();
                ++n;
            }
            const auto cut = pending_.begin() + static_cast<std::ptrdiff_t>(n);
            batch.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(cut));
            pending_.erase(pending_.begin(), cut);
        }
        std::vector<InsertGroup> groups;
        groups.reserve(batch.size());
        for (auto& [g, done] : batch) groups.push_back(std::move(g));
        std::exception_ptr error;
        try {
            store_.insert_groups(groups);
        } catch (...) {
            error = std::current_exception();
        }
        ++commits_;
        if (!error)
            for (const InsertGroup& g : groups)
                if (!g.error) records_ += g.records.size();
        for (std::size_t i = 0; i < batch.size(); ++i)
            batch[i].second(groups[i], error ? error : groups[i].error);
    }
}

}  // namespace server
