#include "server/callbacks.hpp"

#include <pthread.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>  // before Asio: 1.74's awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "server/log.hpp"
#include "server/metrics.hpp"

namespace server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

bool parse_http_url(const std::string& url, ParsedUrl* out) {
    const std::string scheme = "http://";
    if (url.size() <= scheme.size() || url.compare(0, scheme.size(), scheme) != 0) return false;
    const std::size_t host_start = scheme.size();
    std::size_t host_end = url.find_first_of("/?#", host_start);
    if (host_end == std::string::npos) host_end = url.size();
    std::string authority = url.substr(host_start, host_end - host_start);
    if (authority.empty() || authority.find('@') != std::string::npos) return false;
    ParsedUrl p;
    p.port = "80";
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

// One callback's life: attempts until one gets a 2xx or the tries run out.
class Delivery : public std::enable_shared_from_this<Delivery> {
public:
    Delivery(asio::io_context& io, ParsedUrl url, std::string body, std::string label, int tries,
             std::chrono::milliseconds timeout, Metrics& metrics, std::function<void()> done)
        : io_(io), resolver_(io), timer_(io), url_(std::move(url)), label_(std::move(label)),
          tries_left_(tries), timeout_(timeout), metrics_(metrics), done_(std::move(done)) {
        req_.method(http::verb::put);
        req_.target(url_.target);
        req_.version(11);
        req_.set(http::field::host, url_.host + (url_.port == "80" ? "" : ":" + url_.port));
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
                                    self->stream_->async_connect(
                                        r, [self](beast::error_code ec2, const tcp::endpoint&) { self->on_connect(ec2); });
                                });
    }

    void on_connect(beast::error_code ec) {
        if (ec) return failed("connect", ec);
        http::async_write(*stream_, req_, [self = shared_from_this()](beast::error_code ec2, std::size_t) {
            if (ec2) return self->failed("write", ec2);
            self->res_ = {};
            http::async_read(*self->stream_, self->buf_, self->res_,
                             [self](beast::error_code ec3, std::size_t) { self->on_read(ec3); });
        });
    }

    void on_read(beast::error_code ec) {
        if (ec) return failed("read", ec);
        beast::error_code ignored;
        stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_->close();
        const unsigned code = res_.result_int();
        if (code >= 200 && code < 300) {
            metrics_.callback_sent();
            log_line("callback", label_, "delivered to " + url_.host + ":" + url_.port + " (HTTP " +
                                             std::to_string(code) + ", attempt " + std::to_string(attempt_no_) + ")");
            return done_();
        }
        retry_or_give_up("HTTP " + std::to_string(code));
    }

    void failed(const char* what, beast::error_code ec) {
        stream_->close();
        retry_or_give_up(std::string(what) + ": " + (ec == beast::error::timeout ? "timed out" : ec.message()));
    }

    void retry_or_give_up(const std::string& why) {
        if (tries_left_ <= 0) {
            metrics_.callback_failure();
            log_line("callback", label_, "given up after " + std::to_string(attempt_no_) + " attempts: " + why);
            return done_();
        }
        log_line("callback", label_, "attempt " + std::to_string(attempt_no_) + " failed (" + why + "); retrying");
        // A short, growing pause: a receiver that restarts gets a moment.
        timer_.expires_after(std::chrono::milliseconds(250) * attempt_no_);
        timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec) return self->done_();
            self->attempt();
        });
    }

    asio::io_context& io_;
    tcp::resolver resolver_;
    std::optional<beast::tcp_stream> stream_;  // fresh for every attempt
    asio::steady_timer timer_;
    ParsedUrl url_;
    std::string label_;
    int tries_left_;
    int attempt_no_ = 0;
    std::chrono::milliseconds timeout_;
    Metrics& metrics_;
    std::function<void()> done_;
    http::request<http::string_body> req_;
    beast::flat_buffer buf_;
    http::response<http::string_body> res_;
};

}  // namespace

struct Callbacks::Impl {
    int max_tries;
    std::chrono::milliseconds timeout;
    Metrics& metrics;
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
    std::mutex mu;  // guards pending
    std::condition_variable idle;
    std::size_t pending = 0;
    std::thread thread;

    Impl(int tries, std::chrono::milliseconds t, Metrics& m) : max_tries(tries), timeout(t), metrics(m) {
        thread = std::thread([this] {
            ::pthread_setname_np(::pthread_self(), "callbacks");  // for top -H, /proc/PID/task/*/comm
            io.run();
        });
    }
};

Callbacks::Callbacks(int max_tries, std::chrono::milliseconds timeout, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::max(max_tries, 1), timeout, metrics)) {}

Callbacks::~Callbacks() {
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
    {
        std::lock_guard lock(impl_->mu);
        ++impl_->pending;
    }
    Impl* impl = impl_.get();
    asio::post(impl->io, [impl, u = std::move(u), body = std::move(json_body), label = std::move(label)]() mutable {
        auto d = std::make_shared<Delivery>(impl->io, std::move(u), std::move(body), std::move(label), impl->max_tries,
                                            impl->timeout, impl->metrics, [impl] {
                                                std::lock_guard lock(impl->mu);
                                                --impl->pending;
                                                impl->idle.notify_all();
                                            });
        d->start();
    });
}

void Callbacks::drain(std::chrono::milliseconds max) {
    std::unique_lock lock(impl_->mu);
    impl_->idle.wait_for(lock, max, [&] { return impl_->pending == 0; });
}

}  // namespace server
