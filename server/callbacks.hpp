// Callbacks: when a submission with a callback_url finishes, its result is
// PUT to that URL as JSON (Judge0's default fields, base64-encoded). Up to
// `max_tries` attempts, each bounded by `timeout` as a whole (resolve,
// connect, send, answer); a receiver that answers 2xx ends it. All of it runs
// on a thread of its own with asynchronous I/O, so a slow or dead receiver
// never holds a worker or an HTTP thread: send() only queues.
//
// Only http:// URLs (no TLS in this build); the API refuses https:// ones.
//
// Thread-safety: send() may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace server {

class Metrics;

struct ParsedUrl {
    std::string host, port, target;  // port "80" by default; target "/" at least
};
// nullptr-free parse of "http://host[:port][/path?query]"; false for
// anything else (https, userinfo, no host, bad port).
bool parse_http_url(const std::string& url, ParsedUrl* out);

class Callbacks {
public:
    Callbacks(int max_tries, std::chrono::milliseconds timeout, Metrics& metrics);
    ~Callbacks();  // gives up on anything still pending
    Callbacks(const Callbacks&) = delete;
    Callbacks& operator=(const Callbacks&) = delete;

    // Queues one callback. `label` names it in logs (the submission's token).
    void send(const std::string& url, std::string json_body, std::string label);
    // Waits up to `max` for queued callbacks to end (shutdown).
    void drain(std::chrono::milliseconds max);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace server
