#include "server/http/http_server.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <utility>  // before Asio: 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/version.hpp>

#include "server/http/client_filter.hpp"
#include "server/log.hpp"

namespace server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Response json_response(unsigned status, std::string body, unsigned version, bool keep_alive) {
    Response res{static_cast<http::status>(status), version};
    res.set(http::field::server, "judged");
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

struct HttpServer::Shared {
    HttpOptions opts;
    Handler handler;
    std::atomic<unsigned> connections{0};
    std::mutex per_ip_mu;  // guards per_ip
    std::map<asio::ip::address, unsigned> per_ip;  // open connections by client address

    // Counts a connection from `a`; returns its count with this one.
    unsigned add(const asio::ip::address& a) {
        std::lock_guard lock(per_ip_mu);
        return ++per_ip[a];
    }
    void remove(const asio::ip::address& a) {
        std::lock_guard lock(per_ip_mu);
        auto it = per_ip.find(a);
        if (it != per_ip.end() && --it->second == 0) per_ip.erase(it);
    }
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket&& socket, std::shared_ptr<HttpServer::Shared> shared)
        : stream_(std::move(socket)), shared_(std::move(shared)) {
        ++shared_->connections;
        beast::error_code ec;
        const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
        // An IPv4 client of a dual-stack socket counts as its IPv4 address.
        if (!ec) address_ = unmapped(peer.address());
        from_address_ = shared_->add(address_);
        admitted_ = !shared_->opts.admit || (!ec && shared_->opts.admit(address_));
    }
    ~Session() {
        shared_->remove(address_);
        --shared_->connections;
    }

    // Open connections from this session's client address, this one included.
    unsigned from_address() const { return from_address_; }

    void run() {
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
    }

    // Answers and closes at once (connection cap).
    void refuse() {
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
            self->keep_alive_ = false;
            self->write(json_response(503, R"({"error":"too many connections"})", 11, false));
        });
    }

private:
    void read_header() {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(shared_->opts.max_header_bytes));
        parser_->body_limit(shared_->opts.max_body_bytes);
        stream_.expires_after(first_ ? shared_->opts.header_timeout : shared_->opts.idle_timeout);
        first_ = false;
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
    }

    void on_header(beast::error_code ec) {
        if (ec) return on_error(ec);
        stream_.expires_after(shared_->opts.body_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec2, std::size_t) { self->on_body(ec2); });
    }

    void on_error(beast::error_code ec) {
        keep_alive_ = false;
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
            ec == asio::error::connection_reset || ec == asio::error::eof)
            return close();
        if (ec == http::error::body_limit)
            return write(json_response(413, R"({"error":"request body too large"})", 11, false));
        if (ec == http::error::header_limit)
            return write(json_response(431, R"({"error":"request header too large"})", 11, false));
        if (ec.category() == http::make_error_code(http::error::bad_target).category())  // any other parse error
            return write(json_response(400, R"({"error":"malformed HTTP request"})", 11, false));
        close();
    }

    void on_body(beast::error_code ec) {
        if (ec) return on_error(ec);
        stream_.expires_never();
        Request req = parser_->release();
        keep_alive_ = req.keep_alive();
        version_ = req.version();
        if (!admitted_) {
            keep_alive_ = false;
            return write(json_response(403, R"j({"error":"this client address is not allowed (ALLOW_IP / DISALLOW_IP)"})j",
                                       version_, false));
        }
        auto self = shared_from_this();
        auto replied = std::make_shared<std::atomic<bool>>(false);
        Reply reply = [self, replied](Response&& res) {
            if (replied->exchange(true)) return;  // once
            asio::post(self->stream_.get_executor(),
                       [self, r = std::move(res)]() mutable { self->write(std::move(r)); });
        };
        try {
            shared_->handler(std::move(req), reply);
        } catch (const std::exception& e) {
            log_line("http", "", std::string("handler failed: ") + e.what());
            reply(json_response(500, R"({"error":"internal server error"})", version_, keep_alive_));
        }
    }

    void write(Response&& res) {
        if (shared_->opts.on_response) shared_->opts.on_response(res.result_int());
        res.version(version_);
        res.keep_alive(keep_alive_ && res.keep_alive());
        res_ = std::make_shared<Response>(std::move(res));
        // A client that stops reading must not hold the connection forever.
        stream_.expires_after(shared_->opts.body_timeout);
        http::async_write(stream_, *res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->on_write(ec);
        });
    }

    void on_write(beast::error_code ec) {
        const bool again = !ec && res_->keep_alive();
        res_.reset();
        if (!again) return close();
        read_header();
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.close();
    }

    beast::tcp_stream stream_;
    std::shared_ptr<HttpServer::Shared> shared_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::shared_ptr<Response> res_;
    asio::ip::address address_;
    unsigned from_address_ = 0;
    bool admitted_ = true;
    bool first_ = true;
    bool keep_alive_ = true;
    unsigned version_ = 11;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    asio::io_context& io;
    tcp::acceptor acceptor;
    std::shared_ptr<Shared> shared;
    bool stopped = false;

    Impl(asio::io_context& ctx, const tcp::endpoint& ep, std::shared_ptr<Shared> sh)
        : io(ctx), acceptor(asio::make_strand(ctx)), shared(std::move(sh)) {
        acceptor.open(ep.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen(asio::socket_base::max_listen_connections);
    }

    void accept() {
        acceptor.async_accept(asio::make_strand(io), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
            if (ec) {
                if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
                // Out of descriptors and the like: log, go on accepting.
                log_line("http", "", "accept: " + ec.message());
            } else {
                beast::error_code ignored;
                s.set_option(tcp::no_delay(true), ignored);
                auto session = std::make_shared<Session>(std::move(s), self->shared);
                if (self->shared->connections > self->shared->opts.max_connections ||
                    session->from_address() > self->shared->opts.max_connections_per_ip) {
                    session->refuse();
                } else {
                    session->run();
                }
            }
            self->accept();
        });
    }
};

HttpServer::HttpServer(asio::io_context& io, const tcp::endpoint& ep, HttpOptions opts, Handler handler) {
    auto shared = std::make_shared<Shared>();
    shared->opts = std::move(opts);
    shared->handler = std::move(handler);
    impl_ = std::make_shared<Impl>(io, ep, std::move(shared));
}

HttpServer::~HttpServer() = default;

void HttpServer::start() {
    asio::dispatch(impl_->acceptor.get_executor(), [impl = impl_] { impl->accept(); });
}

void HttpServer::stop_accepting() {
    asio::dispatch(impl_->acceptor.get_executor(), [impl = impl_] {
        beast::error_code ec;
        impl->acceptor.close(ec);
    });
}

tcp::endpoint HttpServer::local_endpoint() const { return impl_->acceptor.local_endpoint(); }

unsigned HttpServer::connections() const { return impl_->shared->connections; }

}  // namespace server
