// The HTTP/1.1 front: a listener that accepts connections and a session per
// connection on its own strand (the shape of Boost.Beast's examples). A
// session reads one request, hands it to the handler, writes the reply,
// and reads the next (keep-alive). The handler may reply later from any
// thread (wait=true): the reply is posted back to the session's strand.
//
// Limits for untrusted clients, stated here: request header 16 KiB
// (431), body `max_body_bytes` (413), the header must arrive within
// `header_timeout` and the body within `body_timeout` (the connection is
// closed), an idle keep-alive connection is closed after `idle_timeout`, and
// at most `max_connections` are open, at most `max_connections_per_ip` from
// one client address (beyond either, a new connection is answered 503 and
// closed: one client holding half-sent requests locks out only itself). A
// request Beast cannot parse gets 400. A client `admit` refuses gets 403 and
// the connection is closed (the request is read first, within the same
// limits, so the client reads the answer rather than a reset).
//
// Thread-safety: start/stop_accepting from the thread that owns the
// io_context's life; connections() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include <utility>  // before Asio: 1.74's awaitable.hpp needs std::exchange
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

namespace server {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
// Call exactly once, from any thread.
using Reply = std::function<void(Response&&)>;
// Must not throw (the server answers 500 if it does).
using Handler = std::function<void(Request&&, Reply)>;

struct HttpOptions {
    std::size_t max_body_bytes = 32u << 20;
    std::size_t max_header_bytes = 16u << 10;
    std::chrono::seconds header_timeout{10};
    std::chrono::seconds body_timeout{30};
    std::chrono::seconds idle_timeout{60};
    unsigned max_connections = 1024;
    unsigned max_connections_per_ip = 128;
    std::function<void(unsigned)> on_response;  // status code of every response (metrics)
    // Which client addresses may be served (ALLOW_IP / DISALLOW_IP); empty:
    // all. Others get 403 for each request, before the handler sees it.
    std::function<bool(const boost::asio::ip::address&)> admit;
};

class HttpServer {
public:
    // Binds and listens (throws std::system_error when the address is taken).
    HttpServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& ep, HttpOptions opts,
               Handler handler);
    ~HttpServer();
    void start();
    void stop_accepting();
    boost::asio::ip::tcp::endpoint local_endpoint() const;
    unsigned connections() const;

    struct Shared;  // the options, the handler and the connection count, shared with sessions

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

// A JSON response with the body given (an object's text).
Response json_response(unsigned status, std::string body, unsigned version = 11, bool keep_alive = true);

}  // namespace server
