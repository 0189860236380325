#include "server/metrics.hpp"

#include <cstdio>

namespace server {
namespace {

std::string num(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

}  // namespace

void Metrics::Histogram::observe(double v) {
    for (std::size_t i = 0; i < bounds.size(); ++i)
        if (v <= bounds[i]) ++counts[i];
    ++count;
    sum += v;
}

void Metrics::Histogram::render(std::string& out, const std::string& name) const {
    for (std::size_t i = 0; i < bounds.size(); ++i)
        out += name + "_bucket{le=\"" + num(bounds[i]) + "\"} " + std::to_string(counts[i]) + "\n";
    out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count) + "\n";
    out += name + "_sum " + num(sum) + "\n";
    out += name + "_count " + std::to_string(count) + "\n";
}

void Metrics::add_gauge(const std::string& name, const std::string& help, Gauge g) {
    std::lock_guard lock(mu_);
    gauges_.push_back(NamedGauge{name, help, std::move(g)});
}

void Metrics::http_request(unsigned status_code) {
    std::lock_guard lock(mu_);
    ++http_by_code_[status_code];
}

void Metrics::finished(int status_id, int language_id, double latency_seconds, double judging_seconds) {
    std::lock_guard lock(mu_);
    ++finished_[{status_id, language_id}];
    latency_.observe(latency_seconds);
    judging_.observe(judging_seconds);
}

void Metrics::internal_error() {
    std::lock_guard lock(mu_);
    ++internal_errors_;
}

void Metrics::callback_failure() {
    std::lock_guard lock(mu_);
    ++callback_failures_;
}

void Metrics::callback_sent() {
    std::lock_guard lock(mu_);
    ++callbacks_sent_;
}

void Metrics::stale_result() {
    std::lock_guard lock(mu_);
    ++stale_results_;
}

void Metrics::requeued_expired(std::uint64_t n) {
    std::lock_guard lock(mu_);
    requeued_expired_ += n;
}

void Metrics::store_retry() {
    std::lock_guard lock(mu_);
    ++store_retries_;
}

namespace {

// A label value in the text format: backslash, quote and newline escaped.
std::string label_value(const std::string& v) {
    std::string out;
    for (char ch : v) {
        if (ch == '\\' || ch == '"') out += '\\';
        if (ch == '\n') {
            out += "\\n";
            continue;
        }
        out += ch;
    }
    return out;
}

// Adds `labels` to every sample line of `text` (comments stay as they are).
std::string with_labels(const std::string& text, const std::string& labels) {
    std::string out;
    out.reserve(text.size() + text.size() / 2);
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        const std::string_view line(text.data() + at, end - at);
        if (line.empty() || line[0] == '#') {
            out += line;
        } else if (const std::size_t brace = line.find('{'); brace != std::string_view::npos &&
                                                              brace < line.find(' ')) {
            out += line.substr(0, brace + 1);
            out += labels;
            if (line[brace + 1] != '}') out += ',';
            out += line.substr(brace + 1);
        } else {
            const std::size_t space = line.find(' ');
            out += line.substr(0, space);
            out += '{' + labels + '}';
            out += line.substr(space);
        }
        out += '\n';
        at = end + 1;
    }
    return out;
}

}  // namespace

void Metrics::set_node(const std::string& node, const std::string& role) {
    std::lock_guard lock(mu_);
    node_labels_ = "node=\"" + label_value(node) + "\",role=\"" + label_value(role) + "\"";
}

std::string Metrics::render() const {
    std::vector<NamedGauge> gauges;
    std::string out;
    {
        std::lock_guard lock(mu_);
        gauges = gauges_;
        out += "# HELP judged_http_requests_total HTTP responses sent, by status code.\n"
               "# TYPE judged_http_requests_total counter\n";
        for (const auto& [code, n] : http_by_code_)
            out += "judged_http_requests_total{code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";
        out += "# HELP judged_submissions_total Finished submissions, by Judge0 status id and language id.\n"
               "# TYPE judged_submissions_total counter\n";
        for (const auto& [key, n] : finished_)
            out += "judged_submissions_total{status=\"" + std::to_string(key.first) + "\",language=\"" +
                   std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
        out += "# HELP judged_submission_latency_seconds From creation to a stored result.\n"
               "# TYPE judged_submission_latency_seconds histogram\n";
        latency_.render(out, "judged_submission_latency_seconds");
        out += "# HELP judged_judging_seconds Time a worker spent judging one submission.\n"
               "# TYPE judged_judging_seconds histogram\n";
        judging_.render(out, "judged_judging_seconds");
        out += "# HELP judged_internal_errors_total Submissions that ended in Internal Error (the judge's fault).\n"
               "# TYPE judged_internal_errors_total counter\n"
               "judged_internal_errors_total " + std::to_string(internal_errors_) + "\n";
        out += "# HELP judged_callback_failures_total Callbacks given up after every try.\n"
               "# TYPE judged_callback_failures_total counter\n"
               "judged_callback_failures_total " + std::to_string(callback_failures_) + "\n";
        out += "# HELP judged_callbacks_sent_total Callbacks the receiver accepted.\n"
               "# TYPE judged_callbacks_sent_total counter\n"
               "judged_callbacks_sent_total " + std::to_string(callbacks_sent_) + "\n";
        out += "# HELP judged_store_retries_total Tries to store a finished result that the store refused.\n"
               "# TYPE judged_store_retries_total counter\n"
               "judged_store_retries_total " + std::to_string(store_retries_) + "\n";
        out += "# HELP judged_stale_results_total Results dropped: their claim was no longer current.\n"
               "# TYPE judged_stale_results_total counter\n"
               "judged_stale_results_total " + std::to_string(stale_results_) + "\n";
        out += "# HELP judged_requeued_expired_total Claims whose lease ran out, queued again by this node.\n"
               "# TYPE judged_requeued_expired_total counter\n"
               "judged_requeued_expired_total " + std::to_string(requeued_expired_) + "\n";
    }
    // Gauges may take other locks (the store's): never under ours.
    for (const auto& g : gauges)
        out += "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n" + g.name + " " + num(g.g()) + "\n";
    std::string labels;
    {
        std::lock_guard lock(mu_);
        labels = node_labels_;
    }
    if (labels.empty()) return out;
    out += "# HELP judged_node_info This node's identity (host:pid) and role.\n"
           "# TYPE judged_node_info gauge\n"
           "judged_node_info 1\n";
    return with_labels(out, labels);
}

}  // namespace server
