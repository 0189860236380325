// Callbacks: when a submission with a callback_url finishes, its result is
// PUT to that URL as JSON (Judge0's default fields, base64-encoded). Up to
// `max_tries` attempts, each bounded by `timeout` as a whole (resolve,
// connect, send, answer); a receiver that answers 2xx ends it. All of it runs
// on a thread of its own with asynchronous I/O, so a slow or dead receiver
// never holds a worker or an HTTP thread: send() only queues.
//
// Durable: each callback is a row of the store's outbox before it is tried,
// its attempts are counted there before each one begins, and it is deleted
// once delivered or given up on; resume() at start takes up what a previous
// run left, with the tries it has left (max_tries bounds the total across
// restarts). With several nodes on one store each callback has an owner, the
// node that finished its submission, which renews its lease while it tries;
// the others adopt it only when that lease runs out (the owner died), so one
// node sends it at a time.
//
// Where a callback may go: a receiver's address is checked after resolving
// and only an allowed address is connected to (so a name that resolves, or
// later re-resolves, to an internal address is refused: DNS rebinding).
// Link-local (169.254/16, fe80::/10: cloud metadata), unspecified, multicast
// and broadcast addresses are always refused; loopback and private ranges
// (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) only with
// allow_private (CALLBACKS_ALLOW_PRIVATE).
//
// https:// goes over TLS (OpenSSL, 1.2 at least): the receiver's certificate
// must chain to the system's trusted roots or to CALLBACKS_CA_FILE and name
// the URL's host (or its address, for a literal); a failed check is a failed
// attempt, logged with OpenSSL's reason. There is no option to skip it.
//
// Thread-safety: send() may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace server {

class Metrics;
class Store;

struct ParsedUrl {
    std::string host, port, target;  // port 80 or 443 by default; target "/" at least
    bool tls = false;                // https://
};
// Parse of "http[s]://host[:port][/path?query]"; false for anything else
// (another scheme, userinfo, no host, bad port).
bool parse_http_url(const std::string& url, ParsedUrl* out);

// Whether a callback may connect to `ip` (a literal address, v4 or v6).
// False for anything that is not an address literal.
bool callback_address_allowed(const std::string& ip, bool allow_private);

// Submission-time check of a URL's host, without a name lookup (a request
// never waits for DNS): a message saying why it is refused when it is a
// forbidden address literal, or "localhost" or a name under ".localhost"
// (loopback by definition, RFC 6761) while private addresses are refused;
// empty otherwise. Delivery resolves every other name and checks each
// address it connects to.
std::string callback_host_refusal(const ParsedUrl& url, bool allow_private);

struct CallbackOptions {
    int max_tries = 3;                         // CALLBACKS_MAX_TRIES
    std::chrono::milliseconds timeout{5000};   // CALLBACKS_TIMEOUT, per attempt
    bool allow_private = false;                // CALLBACKS_ALLOW_PRIVATE
    std::string ca_file;                       // CALLBACKS_CA_FILE: PEM roots trusted besides the system's
    // This node (host:pid): each callback it adds is its own, under a lease
    // renewed every `heartbeat`; callbacks of a node that died are adopted
    // once their lease runs out. Empty: no owners (a single process).
    std::string owner;
    std::chrono::milliseconds lease{20000};      // JUDGED_LEASE_SECONDS
    std::chrono::milliseconds heartbeat{5000};   // JUDGED_HEARTBEAT_SECONDS
};

class Callbacks {
public:
    // `store` holds the outbox and must outlive this object. Throws
    // std::runtime_error when the CA file cannot be read.
    Callbacks(Store& store, const CallbackOptions& options, Metrics& metrics);
    ~Callbacks();  // stops; what is still pending stays in the outbox for the next start
    Callbacks(const Callbacks&) = delete;
    Callbacks& operator=(const Callbacks&) = delete;

    // Stores one callback in the outbox and queues it. `label` names it in
    // logs (the submission's token).
    void send(const std::string& url, std::string json_body, std::string label);
    // Queues every callback a previous run left in the outbox: unowned ones,
    // a dead process of this host's, and those whose lease ran out; then
    // renews this node's leases and adopts expired ones every heartbeat
    // (call once, at start).
    void resume();
    // Waits up to `max` for queued callbacks to end (shutdown).
    void drain(std::chrono::milliseconds max);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace server
