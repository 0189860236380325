// The service's counters, gauges and histograms, rendered in Prometheus'
// text format (version 0.0.4) for GET /metrics.
//
// Thread-safety: every member may be called from many threads at once (one
// mutex; updates are a handful of additions).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace server {

class Metrics {
public:
    // Gauges read at render time (queue depth, busy workers, connections).
    using Gauge = std::function<double()>;
    void add_gauge(const std::string& name, const std::string& help, Gauge g);

    void http_request(unsigned status_code);
    // A finished submission: its Judge0 status and language, the time from
    // creation to finish and the time spent judging (seconds).
    void finished(int status_id, int language_id, double latency_seconds, double judging_seconds);
    void internal_error();
    void callback_failure();
    void callback_sent();
    // A result the store refused (the disk full, the database locked), to be tried again.
    void store_retry();
    // A result dropped because its claim was no longer current (the lease
    // ran out and another worker took the row): the newer claim's result stands.
    void stale_result();
    // Rows this node put back In Queue because their lease had run out.
    void requeued_expired(std::uint64_t n);

    // Labels every sample carries (node="host:pid", role=...), so one
    // Prometheus sees each node of a cluster apart; also rendered as
    // judged_node_info{...} 1. Set once, before the first render.
    void set_node(const std::string& node, const std::string& role);

    std::string render() const;

private:
    struct Histogram {
        static constexpr std::array<double, 12> bounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
        std::array<std::uint64_t, bounds.size()> counts{};
        std::uint64_t count = 0;
        double sum = 0;
        void observe(double v);
        void render(std::string& out, const std::string& name, const std::string& node) const;
    };
    mutable std::mutex mu_;  // guards everything below
    std::map<unsigned, std::uint64_t> http_by_code_;
    std::map<std::pair<int, int>, std::uint64_t> finished_;  // (status, language) -> count
    Histogram latency_, judging_;
    std::uint64_t internal_errors_ = 0, callback_failures_ = 0, callbacks_sent_ = 0, store_retries_ = 0, stale_results_ = 0,
                  requeued_expired_ = 0;
    struct NamedGauge {
        std::string name, help;
        Gauge g;
    };
    std::vector<NamedGauge> gauges_;
    std::string node_labels_;  // node="…",role="…" (escaped); empty: none
};

}  // namespace server
