#include "server/metrics.hpp"

#include <cstdio>

namespace server {
namespace {

std::string num(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

// One sample line, "name{labels} value": this node's labels, then `extra`
// (either may be empty).
void sample_line(std::string& out, const std::string& name, const std::string& node, const std::string& extra,
                 const std::string& value) {
    out += name;
    if (!node.empty() || !extra.empty()) {
        out += '{';
        out += node;
        if (!node.empty() && !extra.empty()) out += ',';
        out += extra;
        out += '}';
    }
    out += ' ';
    out += value;
    out += '\n';
}

void header(std::string& out, const std::string& name, const char* help, const char* type) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void Metrics::Histogram::observe(double v) {
    for (std::size_t i = 0; i < bounds.size(); ++i)
        if (v <= bounds[i]) ++counts[i];
    ++count;
    sum += v;
}

void Metrics::Histogram::render(std::string& out, const std::string& name, const std::string& node) const {
    for (std::size_t i = 0; i < bounds.size(); ++i)
        sample_line(out, name + "_bucket", node, "le=\"" + num(bounds[i]) + "\"", std::to_string(counts[i]));
    sample_line(out, name + "_bucket", node, "le=\"+Inf\"", std::to_string(count));
    sample_line(out, name + "_sum", node, "", num(sum));
    sample_line(out, name + "_count", node, "", std::to_string(count));
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

}  // namespace

void Metrics::set_node(const std::string& node, const std::string& role) {
    std::lock_guard lock(mu_);
    node_labels_ = "node=\"" + label_value(node) + "\",role=\"" + label_value(role) + "\"";
}

std::string Metrics::render() const {
    std::vector<NamedGauge> gauges;
    std::string node, out;
    const auto counter = [&](const std::string& name, const char* help, std::uint64_t v) {
        header(out, name, help, "counter");
        sample_line(out, name, node, "", std::to_string(v));
    };
    {
        std::lock_guard lock(mu_);
        gauges = gauges_;
        node = node_labels_;
        header(out, "judged_http_requests_total", "HTTP responses sent, by status code.", "counter");
        for (const auto& [code, n] : http_by_code_)
            sample_line(out, "judged_http_requests_total", node, "code=\"" + std::to_string(code) + "\"", std::to_string(n));
        header(out, "judged_submissions_total", "Finished submissions, by Judge0 status id and language id.", "counter");
        for (const auto& [key, n] : finished_)
            sample_line(out, "judged_submissions_total", node,
                   "status=\"" + std::to_string(key.first) + "\",language=\"" + std::to_string(key.second) + "\"",
                   std::to_string(n));
        header(out, "judged_submission_latency_seconds", "From creation to a stored result.", "histogram");
        latency_.render(out, "judged_submission_latency_seconds", node);
        header(out, "judged_judging_seconds", "Time a worker spent judging one submission.", "histogram");
        judging_.render(out, "judged_judging_seconds", node);
        counter("judged_internal_errors_total", "Submissions that ended in Internal Error (the judge's fault).",
                internal_errors_);
        counter("judged_callback_failures_total", "Callbacks given up after every try.", callback_failures_);
        counter("judged_callbacks_sent_total", "Callbacks the receiver accepted.", callbacks_sent_);
        counter("judged_store_retries_total", "Tries to store a finished result that the store refused.",
                store_retries_);
        counter("judged_stale_results_total", "Results dropped: their claim was no longer current.", stale_results_);
        counter("judged_requeued_expired_total", "Claims whose lease ran out, queued again by this node.",
                requeued_expired_);
    }
    // Gauges may take other locks (the store's): never under ours.
    for (const auto& g : gauges) {
        header(out, g.name, g.help.c_str(), "gauge");
        sample_line(out, g.name, node, "", num(g.g()));
    }
    if (!node.empty()) {
        header(out, "judged_node_info", "This node's identity (host:pid) and role.", "gauge");
        sample_line(out, "judged_node_info", node, "", "1");
    }
    return out;
}

}  // namespace server
