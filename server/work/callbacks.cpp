#include "server/work/callbacks.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>
#include <utility>  // before Asio: 1.74's awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "server/log.hpp"
#include "server/metrics.hpp"
#include "server/store/store.hpp"

namespace server {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

bool parse_http_url(const std::string& url, ParsedUrl* out) {
    const auto starts = [&url](std::string_view scheme) {
        return url.size() > scheme.size() && url.compare(0, scheme.size(), scheme) == 0;
    };
    const bool tls = starts("https://");
    if (!tls && !starts("http://")) return false;
    const std::size_t host_start = tls ? 8 : 7;
    std::size_t host_end = url.find_first_of("/?#", host_start);
    if (host_end == std::string::npos) host_end = url.size();
    std::string authority = url.substr(host_start, host_end - host_start);
    if (authority.empty() || authority.find('@') != std::string::npos) return false;
    ParsedUrl p;
    p.tls = tls;
    p.port = tls ? "443" : "80";
    if (authority.front() == '[') {  // [v6]:port
        const auto close = authority.find(']');
        if (close == std::string::npos) return false;
        p.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return false;
            p.port = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        p.host = authority.substr(0, colon);
        if (colon != std::string::npos) p.port = authority.substr(colon + 1);
    }
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(p.port.data(), p.port.data() + p.port.size(), port);
    if (p.host.empty() || ec != std::errc() || ptr != p.port.data() + p.port.size() || port == 0 || port > 65535)
        return false;
    p.target = host_end < url.size() && url[host_end] == '/' ? url.substr(host_end) : "/" + url.substr(host_end);
    const auto hash = p.target.find('#');
    if (hash != std::string::npos) p.target.resize(hash);
    for (char c : p.target)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
    *out = std::move(p);
    return true;
}

namespace {

enum class AddressKind { allowed, private_range, forbidden };

AddressKind classify(asio::ip::address a) {
    if (a.is_v6()) {
        const asio::ip::address_v6 v6 = a.to_v6();
        if (v6.is_v4_mapped()) {
            a = asio::ip::make_address_v4(asio::ip::v4_mapped, v6);
        } else {
            const auto b = v6.to_bytes();
            if (v6.is_unspecified() || v6.is_multicast()) return AddressKind::forbidden;
            if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressKind::forbidden;  // fe80::/10 link-local
            if (v6.is_loopback()) return AddressKind::private_range;
            if ((b[0] & 0xfe) == 0xfc) return AddressKind::private_range;               // fc00::/7 unique local
            if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressKind::private_range;  // fec0::/10 site-local
            return AddressKind::allowed;
        }
    }
    const std::uint32_t v = a.to_v4().to_uint();
    const auto in = [v](std::uint32_t net, int bits) { return (v >> (32 - bits)) == (net >> (32 - bits)); };
    if (in(0xA9FE0000, 16)) return AddressKind::forbidden;                       // 169.254/16 link-local
    if (in(0xE0000000, 4) || in(0xF0000000, 4)) return AddressKind::forbidden;  // multicast, reserved, broadcast
    if (in(0x00000000, 8)) return AddressKind::private_range;                    // 0/8 reaches this host
    if (in(0x7F000000, 8) || in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16) || in(0x64400000, 10))
        return AddressKind::private_range;
    return AddressKind::allowed;
}

bool allowed(const asio::ip::address& a, bool allow_private) {
    const AddressKind k = classify(a);
    return k == AddressKind::allowed || (k == AddressKind::private_range && allow_private);
}

}  // namespace

bool callback_address_allowed(const std::string& ip, bool allow_private) {
    beast::error_code ec;
    const auto a = asio::ip::make_address(ip, ec);
    return !ec && allowed(a, allow_private);
}

std::string callback_host_refusal(const ParsedUrl& url, bool allow_private) {
    beast::error_code ec;
    const auto literal = asio::ip::make_address(url.host, ec);
    const std::string why = allow_private ? "a link-local, multicast or unspecified address"
                                          : "a loopback, private or link-local address (CALLBACKS_ALLOW_PRIVATE is off)";
    if (!ec) return allowed(literal, allow_private) ? "" : "host " + url.host + " is " + why;
    std::string name = url.host;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!name.empty() && name.back() == '.') name.pop_back();
    const std::string suffix = ".localhost";
    const bool loopback_name =
        name == "localhost" ||
        (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0);
    if (loopback_name && !allow_private) return "host " + url.host + " names a loopback address (CALLBACKS_ALLOW_PRIVATE is off)";
    return "";
}

namespace {

// One callback's life: attempts until one gets a 2xx or the tries run out.
class Delivery : public std::enable_shared_from_this<Delivery> {
public:
    // `id` is the callback's outbox row (0: none, the store refused it);
    // `tries_used` the attempts earlier runs began.
    Delivery(asio::io_context& io, ssl::context& tls, Store& store, std::int64_t id, ParsedUrl url, std::string body,
             std::string label, int max_tries, int tries_used, std::chrono::milliseconds timeout, bool allow_private,
             Metrics& metrics, std::function<void()> done)
        : io_(io), tls_context_(tls), store_(store), id_(id), resolver_(io), timer_(io), url_(std::move(url)),
          label_(std::move(label)),
          tries_left_(max_tries - tries_used), attempt_no_(tries_used), timeout_(timeout),
          allow_private_(allow_private), metrics_(metrics), done_(std::move(done)) {
        req_.method(http::verb::put);
        req_.target(url_.target);
        req_.version(11);
        const bool v6 = url_.host.find(':') != std::string::npos;
        const std::string host = v6 ? "[" + url_.host + "]" : url_.host;
        req_.set(http::field::host, host + (url_.port == (url_.tls ? "443" : "80") ? "" : ":" + url_.port));
        req_.set(http::field::content_type, "application/json");
        req_.set(http::field::user_agent, "judged");
        req_.keep_alive(false);
        req_.body() = std::move(body);
        req_.prepare_payload();
    }

    void start() { attempt(); }

private:
    void attempt() {
        --tries_left_;
        ++attempt_no_;
        // Counted before it begins: an attempt cut short by a stop still counts.
        if (id_) {
            try {
                store_.callback_attempt(id_);
            } catch (const std::exception& e) {
                log_line("callback", label_, std::string("counting the attempt failed: ") + e.what());
            }
        }
        tls_.reset();
        stream_.emplace(io_);
        stream_->expires_after(timeout_);
        // The resolver has no deadline of its own: the timer below cancels it.
        timer_.expires_after(timeout_);
        timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (!ec) self->resolver_.cancel();
        });
        resolver_.async_resolve(url_.host, url_.port,
                                [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
                                    self->timer_.cancel();
                                    if (ec) return self->failed("resolve", ec);
                                    // Only allowed addresses are ever connected to.
                                    std::vector<tcp::endpoint> eps;
                                    for (const auto& e : r)
                                        if (allowed(e.endpoint().address(), self->allow_private_))
                                            eps.push_back(e.endpoint());
                                    if (eps.empty())
                                        return self->retry_or_give_up("no allowed address for " + self->url_.host);
                                    self->stream_->async_connect(
                                        eps, [self](beast::error_code ec2, const tcp::endpoint&) { self->on_connect(ec2); });
                                });
    }

    void on_connect(beast::error_code ec) {
        if (ec) return failed("connect", ec);
        if (!url_.tls) return exchange(*stream_);
        // The TCP stream (its deadline with it) moves under TLS. The
        // certificate must chain to a trusted root (the system's store, and
        // CALLBACKS_CA_FILE) and name the URL's host, or its address when
        // the host is a literal; SNI carries a name, never an address.
        tls_.emplace(std::move(*stream_), tls_context_);
        stream_.reset();
        SSL* handle = tls_->native_handle();
        X509_VERIFY_PARAM* param = SSL_get0_param(handle);
        beast::error_code not_an_address;
        asio::ip::make_address(url_.host, not_an_address);
        // SSL_set_tlsext_host_name, without its macro's C cast.
        const auto sni = [&] {
            return SSL_ctrl(handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                            const_cast<char*>(url_.host.c_str())) == 1;
        };
        const bool set = not_an_address
                             ? X509_VERIFY_PARAM_set1_host(param, url_.host.c_str(), url_.host.size()) == 1 && sni()
                             : X509_VERIFY_PARAM_set1_ip_asc(param, url_.host.c_str()) == 1;
        if (!set) return retry_or_give_up("TLS: cannot check a certificate for " + url_.host);
        tls_->async_handshake(ssl::stream_base::client, [self = shared_from_this()](beast::error_code ec2) {
            if (ec2) return self->failed("TLS handshake", ec2);
            self->exchange(*self->tls_);
        });
    }

    // The request and its answer, on either stream.
    template <class Stream>
    void exchange(Stream& s) {
        http::async_write(s, req_, [self = shared_from_this(), &s](beast::error_code ec, std::size_t) {
            if (ec) return self->failed("write", ec);
            self->answer_.emplace();
            self->answer_->body_limit(1 << 20);
            http::async_read(s, self->buf_, *self->answer_,
                             [self](beast::error_code ec2, std::size_t) { self->on_read(ec2); });
        });
    }

    beast::tcp_stream& tcp_layer() { return tls_ ? beast::get_lowest_layer(*tls_) : *stream_; }

    void on_read(beast::error_code ec) {
        // Only the status matters: a receiver that closes its TLS
        // connection without close_notify (many do, after an answer whose
        // body ends at EOF) has still answered once its header is in.
        if (ec == ssl::error::stream_truncated && answer_->is_header_done()) ec = {};
        if (ec) return failed("read", ec);
        // The whole answer is read (Connection: close): no TLS close_notify
        // round trip, the connection just closes.
        beast::error_code ignored;
        tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
        tcp_layer().close();
        const unsigned code = answer_->get().result_int();
        if (code >= 200 && code < 300) {
            metrics_.callback_sent();
            log_line("callback", label_, "delivered to " + url_.host + ":" + url_.port + " (HTTP " +
                                             std::to_string(code) + ", attempt " + std::to_string(attempt_no_) + ")");
            return finish();
        }
        retry_or_give_up("HTTP " + std::to_string(code));
    }

    void failed(const char* what, beast::error_code ec) {
        tcp_layer().close();
        std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
        if (ec.category() == asio::error::get_ssl_category()) {
            // OpenSSL says which check failed: "certificate verify failed
            // (hostname mismatch)" rather than the bare reason.
            const long verify = tls_ ? SSL_get_verify_result(tls_->native_handle()) : X509_V_OK;
            if (verify != X509_V_OK) why += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
        }
        retry_or_give_up(std::string(what) + ": " + why);
    }

    void retry_or_give_up(const std::string& why) {
        if (tries_left_ <= 0) {
            metrics_.callback_failure();
            log_line("callback", label_, "given up after " + std::to_string(attempt_no_) + " attempts: " + why);
            return finish();
        }
        log_line("callback", label_, "attempt " + std::to_string(attempt_no_) + " failed (" + why + "); retrying");
        // A short, growing pause: a receiver that restarts gets a moment.
        timer_.expires_after(std::chrono::milliseconds(250) * attempt_no_);
        timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec) return self->done_();
            self->attempt();
        });
    }

    // Delivered or given up on: out of the outbox.
    void finish() {
        if (id_) {
            try {
                store_.remove_callback(id_);
            } catch (const std::exception& e) {
                log_line("callback", label_, std::string("removing it from the outbox failed: ") + e.what());
            }
        }
        done_();
    }

    asio::io_context& io_;
    ssl::context& tls_context_;
    Store& store_;
    std::int64_t id_;
    tcp::resolver resolver_;
    std::optional<beast::tcp_stream> stream_;  // fresh for every attempt; moved into tls_ for https
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
    asio::steady_timer timer_;
    ParsedUrl url_;
    std::string label_;
    int tries_left_;
    int attempt_no_;
    std::chrono::milliseconds timeout_;
    bool allow_private_;
    Metrics& metrics_;
    std::function<void()> done_;
    http::request<http::string_body> req_;
    beast::flat_buffer buf_;
    std::optional<http::response_parser<http::string_body>> answer_;
};

}  // namespace

// Certificates are checked against the system's store (Debian's
// ca-certificates) and the operator's CALLBACKS_CA_FILE; there is no way to
// turn the check off.
ssl::context make_tls_context(const std::string& ca_file) {
    ssl::context c(ssl::context::tls_client);
    c.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    c.set_verify_mode(ssl::verify_peer);
    c.set_default_verify_paths();
    if (!ca_file.empty()) {
        beast::error_code ec;
        c.load_verify_file(ca_file, ec);
        if (ec) throw std::runtime_error("CALLBACKS_CA_FILE " + ca_file + ": " + ec.message());
    }
    return c;
}

struct Callbacks::Impl {
    Store& store;
    int max_tries;
    std::chrono::milliseconds timeout;
    bool allow_private;
    Metrics& metrics;
    ssl::context tls;
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
    std::string owner;
    std::chrono::milliseconds lease, heartbeat;
    asio::steady_timer beat{io};
    std::mutex mu;  // guards pending, in_flight
    std::condition_variable idle;
    std::size_t pending = 0;
    std::set<std::int64_t> in_flight;  // outbox ids queued here and not yet ended
    std::thread thread;

    Impl(Store& s, const CallbackOptions& o, Metrics& m)
        : store(s), max_tries(std::max(o.max_tries, 1)), timeout(o.timeout), allow_private(o.allow_private),
          metrics(m), tls(make_tls_context(o.ca_file)), owner(o.owner), lease(o.lease), heartbeat(o.heartbeat) {
        thread = std::thread([this] {
            ::pthread_setname_np(::pthread_self(), "callbacks");  // for top -H, /proc/PID/task/*/comm
            io.run();
        });
    }

    void queue(std::int64_t id, ParsedUrl u, std::string body, std::string label, int tries_used) {
        {
            std::lock_guard lock(mu);
            // Adopted again while this node still tries it (its renewals
            // failed for a lease): one delivery is enough.
            if (id != 0 && !in_flight.insert(id).second) return;
            ++pending;
        }
        asio::post(io, [this, id, u = std::move(u), body = std::move(body), label = std::move(label),
                        tries_used]() mutable {
            auto d = std::make_shared<Delivery>(io, tls, store, id, std::move(u), std::move(body), std::move(label),
                                                max_tries, tries_used, timeout, allow_private, metrics, [this, id] {
                                                    std::lock_guard lock(mu);
                                                    in_flight.erase(id);
                                                    --pending;
                                                    idle.notify_all();
                                                });
            d->start();
        });
    }

    // Queues adopted rows (or gives up on those out of tries).
    void take_up(std::vector<CallbackRow> rows) {
        for (CallbackRow& c : rows) {
            ParsedUrl u;
            const bool ok = parse_http_url(c.url, &u);
            if (!ok || c.tries_used >= max_tries) {
                metrics.callback_failure();
                log_line("callback", c.token, ok ? "given up after " + std::to_string(c.tries_used) + " attempts"
                                                 : "not sent: unsupported URL");
                try {
                    store.remove_callback(c.id);
                } catch (const std::exception& e) {
                    log_line("callback", c.token, std::string("removing it from the outbox failed: ") + e.what());
                }
                continue;
            }
            queue(c.id, std::move(u), std::move(c.body), std::move(c.token), static_cast<int>(c.tries_used));
        }
    }

    // Every heartbeat, on the I/O thread: keep ours, adopt the dead's.
    void schedule_beat() {
        beat.expires_after(heartbeat);
        beat.async_wait([this](const beast::error_code& ec) {
            if (ec) return;
            try {
                store.renew_callbacks(owner, lease);
                std::vector<CallbackRow> rows = store.adopt_callbacks(owner, lease, {});
                if (!rows.empty())
                    log_line("callback", "", std::to_string(rows.size()) + " callbacks of a node whose lease ran out adopted");
                take_up(std::move(rows));
            } catch (const std::exception& e) {
                log_line("callback", "", std::string("renewing or adopting callbacks failed: ") + e.what());
            }
            schedule_beat();
        });
    }
};

namespace {
// Owners (host:pid) of `rows` that are processes of `owner`'s host and dead,
// or `owner` itself (a restarted container is often the same pid again).
std::vector<std::string> dead_owners_of_host(const std::vector<CallbackRow>& rows, const std::string& owner) {
    const std::string host = owner.substr(0, owner.rfind(':') + 1);
    std::vector<std::string> out;
    for (const CallbackRow& r : rows) {
        if (r.owner.empty() || r.owner.compare(0, host.size(), host) != 0) continue;
        if (std::find(out.begin(), out.end(), r.owner) != out.end()) continue;
        const std::string pid_text = r.owner.substr(host.size());
        long pid = 0;
        const auto [end, err] = std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
        if (err != std::errc() || end != pid_text.data() + pid_text.size() || pid <= 0) continue;
        if (r.owner == owner || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) out.push_back(r.owner);
    }
    return out;
}
}  // namespace

Callbacks::Callbacks(Store& store, const CallbackOptions& options, Metrics& metrics)
    : impl_(std::make_unique<Impl>(store, options, metrics)) {}

Callbacks::~Callbacks() {
    asio::post(impl_->io, [this] { impl_->beat.cancel(); });
    impl_->guard.reset();
    impl_->io.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

void Callbacks::send(const std::string& url, std::string json_body, std::string label) {
    ParsedUrl u;
    if (!parse_http_url(url, &u)) {
        impl_->metrics.callback_failure();
        log_line("callback", label, "not sent: unsupported URL");
        return;
    }
    std::int64_t id = 0;
    try {
        id = impl_->store.add_callback(label, url, json_body, impl_->owner, impl_->lease);
    } catch (const std::exception& e) {
        log_line("callback", label, std::string("not kept in the outbox (tried anyway): ") + e.what());
    }
    impl_->queue(id, std::move(u), std::move(json_body), std::move(label), 0);
}

void Callbacks::resume() {
    std::vector<CallbackRow> rows;
    try {
        rows = impl_->store.pending_callbacks();
        if (!impl_->owner.empty())
            rows = impl_->store.adopt_callbacks(impl_->owner, impl_->lease, dead_owners_of_host(rows, impl_->owner));
    } catch (const std::exception& e) {
        log_line("callback", "", std::string("reading the outbox failed: ") + e.what());
        rows.clear();
    }
    if (!rows.empty())
        log_line("callback", "", std::to_string(rows.size()) + " callbacks left by a previous run resumed");
    impl_->take_up(std::move(rows));
    if (!impl_->owner.empty()) asio::post(impl_->io, [this] { impl_->schedule_beat(); });
}

void Callbacks::drain(std::chrono::milliseconds max) {
    std::unique_lock lock(impl_->mu);
    impl_->idle.wait_for(lock, max, [&] { return impl_->pending == 0; });
}

}  // namespace server
