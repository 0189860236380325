// loadgen: an HTTP/1.1 keep-alive load generator for the API benchmark
// (bench/api/run.sh). Two modes:
//
// - closed loop (the default): N connections, each sends one request, waits
//   for its response, sends the next. It finds the most the server can
//   answer (saturation), but its latency is queueing at that saturation:
//   with N requests always in flight, mean latency = N / throughput.
// - open loop (--rate R, requests per second in total, like wrk2): the k-th
//   request is due at t0 + k/R whatever the server does. A free connection
//   takes the next due slot, waits for its time if early, and sends; the
//   latency is measured from the slot's due time, not from the send, so time
//   a request spent queued behind a slow response counts (no coordinated
//   omission). When no connection is free, slots fall behind and their
//   latency grows; the achieved rate then drops below the offered one.
//
// Requests started (closed) or due (open) during the warmup are not counted;
// the latency of every counted response (steady_clock, microseconds) is kept
// and the percentiles printed at the end.
//
//   loadgen --url http://127.0.0.1:2358/submissions [--method POST]
//           [--body STR | --body-file F] [--header "K: V"]...
//           [--connections N] [--duration S | --requests N] [--warmup S]
//           [--rate R] [--threads T] [--expect-status CODE]
//           [--expect-body-contains STR] [--timeout S] [--json]
//
// Text report (bench/api/run.sh reads it by the first word of each line):
//   requests    N in S s  (RPS req/s; ok N, RPS/s)
//   offered     R req/s  achieved A req/s (P%)            (open loop only)
//   errors      N [(io N, body N, status C: N, ...)]
//   latency ms  p50 X  p90 X  p99 X  p99.9 X  max X  (mean X)
//   service ms  p50 X  p90 X  p99 X  p99.9 X  max X  (mean X)   (open loop: from the send)
//
// An error is an I/O error (connect, write, read, timeout; the connection is
// opened again), a status other than --expect-status, or a body without
// --expect-body-contains. Exit status: 0 if every counted request succeeded,
// 1 if any failed, 2 on bad usage.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <utility>  // before Asio: 1.74's awaitable.hpp needs std::exchange
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::string url = "http://127.0.0.1:2358/submissions";
    std::string method = "GET";
    std::optional<std::string> body;
    std::vector<std::pair<std::string, std::string>> headers;
    unsigned connections = 32;
    double duration = 10;
    std::int64_t requests = 0;  // > 0: a request count instead of a duration
    double warmup = 1;
    unsigned threads = 1;
    double rate = 0;  // > 0: open loop at this many requests per second in total
    unsigned expect_status = 200;
    std::string expect_body;  // empty: not checked
    double timeout = 60;      // per request
    bool json = false;
};

struct Url {
    std::string host, port, target;
};

// What one connection measured; merged at the end (no sharing while running).
struct Stats {
    std::vector<std::int64_t> latency_us;  // every counted response (open loop: from its due time)
    std::vector<std::int64_t> service_us;  // open loop: the same responses, from their send
    std::map<unsigned, std::uint64_t> bad_status;
    std::uint64_t io_errors = 0;
    std::uint64_t body_errors = 0;
    std::uint64_t ok = 0;
    Clock::time_point last_done{};
};

struct Shared {
    const Options& opt;
    const Url& url;
    tcp::resolver::results_type endpoints;
    Clock::time_point t0, warmup_end, end;  // `end` only in duration mode
    std::atomic<std::int64_t> tickets{0};  // requests mode: counted requests left
    std::atomic<std::int64_t> next_slot{0};  // open loop: the next slot a free connection takes

    // Open loop: when slot k is due.
    Clock::time_point due(std::int64_t k) const {
        return t0 + std::chrono::nanoseconds(std::llround(static_cast<double>(k) * 1e9 / opt.rate));
    }
    std::mutex first_error_mu;
    std::string first_error;  // for the report: what the first failure looked like

    void note_error(std::string what) {
        std::lock_guard lock(first_error_mu);
        if (first_error.empty()) first_error = std::move(what);
    }
};

[[noreturn]] void usage(const std::string& why) {
    if (!why.empty()) std::cerr << "loadgen: " << why << "\n";
    (why.empty() ? std::cout : std::cerr) << "usage: loadgen --url http://HOST[:PORT]/PATH [--method M] [--body STR | --body-file F]\n"
                 "               [--header \"K: V\"]... [--connections N (32)] [--duration S (10) | --requests N]\n"
                 "               [--warmup S (1)] [--rate R] [--threads T (1)] [--expect-status CODE (200)]\n"
                 "               [--expect-body-contains STR] [--timeout S (60)] [--json]\n"
                 "Without --rate: closed loop (each connection sends its next request when the previous\n"
                 "answer arrives). --rate R: open loop, R requests/s in total on a fixed schedule, latency\n"
                 "from each request's scheduled time.\n"
                 "A request with a body and no Content-Type header is sent as application/json.\n";
    std::exit(why.empty() ? 0 : 2);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

double parse_double(const std::string& flag, const std::string& v) {
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || !std::isfinite(d) || d < 0) usage(flag + ": not a non-negative number: " + v);
    return d;
}

std::int64_t parse_int(const std::string& flag, const std::string& v, std::int64_t min) {
    char* end = nullptr;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end || n < min) usage(flag + ": not an integer >= " + std::to_string(min) + ": " + v);
    return n;
}

Options parse_args(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") usage("");
        if (a == "--json") {
            o.json = true;
            continue;
        }
        if (i + 1 >= argc) usage(a + " needs a value");
        const std::string v = argv[++i];
        if (a == "--url") o.url = v;
        else if (a == "--method") o.method = v;
        else if (a == "--body") o.body = v;
        else if (a == "--body-file") {
            std::ifstream in(v, std::ios::binary);
            if (!in) usage("cannot read " + v);
            std::ostringstream ss;
            ss << in.rdbuf();
            o.body = ss.str();
        } else if (a == "--header") {
            const auto colon = v.find(':');
            if (colon == std::string::npos || colon == 0) usage("--header wants \"Name: value\": " + v);
            o.headers.emplace_back(std::string(trim(std::string_view(v).substr(0, colon))),
                                   std::string(trim(std::string_view(v).substr(colon + 1))));
        } else if (a == "--connections") o.connections = static_cast<unsigned>(parse_int(a, v, 1));
        else if (a == "--duration") o.duration = parse_double(a, v);
        else if (a == "--requests") o.requests = parse_int(a, v, 1);
        else if (a == "--warmup") o.warmup = parse_double(a, v);
        else if (a == "--threads") o.threads = static_cast<unsigned>(parse_int(a, v, 1));
        else if (a == "--rate") {
            o.rate = parse_double(a, v);
            if (o.rate <= 0) usage("--rate must be > 0");
        }
        else if (a == "--expect-status") o.expect_status = static_cast<unsigned>(parse_int(a, v, 100));
        else if (a == "--expect-body-contains") o.expect_body = v;
        else if (a == "--timeout") o.timeout = parse_double(a, v);
        else usage("unknown option " + a);
    }
    if (o.duration <= 0 && o.requests == 0) usage("--duration must be > 0");
    if (o.timeout <= 0) usage("--timeout must be > 0");
    return o;
}

Url parse_url(const std::string& s) {
    constexpr std::string_view scheme = "http://";
    if (s.compare(0, scheme.size(), scheme) != 0) usage("only http:// URLs: " + s);
    const std::string rest = s.substr(scheme.size());
    const auto slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    Url u;
    u.target = slash == std::string::npos ? "/" : rest.substr(slash);
    u.port = "80";
    if (!authority.empty() && authority.front() == '[') {  // [v6]:port
        const auto close = authority.find(']');
        if (close == std::string::npos) usage("bad host in " + s);
        u.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') usage("bad host in " + s);
            u.port = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        u.host = authority.substr(0, colon);
        if (colon != std::string::npos) u.port = authority.substr(colon + 1);
    }
    if (u.host.empty() || u.port.empty()) usage("bad host in " + s);
    return u;
}

std::string host_header(const Url& u) {
    const std::string h = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
    return u.port == "80" ? h : h + ":" + u.port;
}

http::request<http::string_body> make_request(const Options& o, const Url& u) {
    http::request<http::string_body> req;
    req.method_string(o.method);
    req.target(u.target);
    req.version(11);
    req.set(http::field::host, host_header(u));
    req.set(http::field::user_agent, "judge-loadgen");
    bool has_type = false;
    for (const auto& [k, v] : o.headers) {
        req.set(k, v);
        if (beast::iequals(k, "content-type")) has_type = true;
    }
    if (o.body) {
        if (!has_type) req.set(http::field::content_type, "application/json");
        req.body() = *o.body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    return req;
}

std::int64_t micros(Clock::duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); }

// One connection: a closed loop, or (opt.rate > 0) the open loop's slots
// this connection takes whenever it is free.
asio::awaitable<void> connection(Shared& sh, Stats& st) {
    const Options& opt = sh.opt;
    const bool open_loop = opt.rate > 0;
    const auto req = make_request(opt, sh.url);
    const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.timeout));
    auto ex = co_await asio::this_coro::executor;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buf;
    asio::steady_timer backoff(ex);
    asio::steady_timer pacer(ex);
    for (;;) {
        // `start`: what the latency is measured from. Closed loop: now.
        // Open loop: the due time of the next slot (perhaps already past).
        const auto start = open_loop ? sh.due(sh.next_slot.fetch_add(1)) : Clock::now();
        bool counted = start >= sh.warmup_end;
        if (counted) {
            if (opt.requests > 0) {
                if (sh.tickets.fetch_sub(1) <= 0) break;
            } else if (start >= sh.end) {
                break;
            }
        }
        if (open_loop && Clock::now() < start) {
            pacer.expires_at(start);
            boost::system::error_code ec;
            co_await pacer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        std::string failure;
        try {
            if (!stream) {
                stream.emplace(ex);
                buf.clear();
                stream->expires_after(timeout);
                co_await stream->async_connect(sh.endpoints, asio::use_awaitable);
                stream->socket().set_option(tcp::no_delay(true));
            }
            const auto sent = Clock::now();
            stream->expires_after(timeout);
            co_await http::async_write(*stream, req, asio::use_awaitable);
            http::response<http::string_body> res;
            co_await http::async_read(*stream, buf, res, asio::use_awaitable);
            const auto done = Clock::now();
            if (!res.keep_alive()) {
                beast::error_code ignored;
                stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
                stream.reset();
            }
            if (!counted) continue;
            st.latency_us.push_back(micros(done - start));
            if (open_loop) st.service_us.push_back(micros(done - sent));
            st.last_done = std::max(st.last_done, done);
            if (res.result_int() != opt.expect_status) {
                ++st.bad_status[res.result_int()];
                sh.note_error("status " + std::to_string(res.result_int()) + ": " + res.body().substr(0, 300));
            } else if (!opt.expect_body.empty() && res.body().find(opt.expect_body) == std::string::npos) {
                ++st.body_errors;
                sh.note_error("body without " + opt.expect_body + ": " + res.body().substr(0, 300));
            } else {
                ++st.ok;
            }
            continue;
        } catch (const boost::system::system_error& e) {
            failure = e.code().message();
        }
        // An I/O error: count it (if counted), open a new connection after a
        // short pause so a refusing server is not spun on.
        stream.reset();
        if (counted) {
            ++st.io_errors;
            st.last_done = std::max(st.last_done, Clock::now());
            sh.note_error("I/O: " + failure);
        }
        backoff.expires_after(std::chrono::milliseconds(10));
        boost::system::error_code ec;
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (stream) {
        beast::error_code ignored;
        stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
}

// Nearest-rank percentile of a sorted vector, in ms.
double percentile_ms(const std::vector<std::int64_t>& sorted, double q) {
    if (sorted.empty()) return 0;
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return static_cast<double>(sorted[rank - 1]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
    const Options opt = parse_args(argc, argv);
    const Url url = parse_url(opt.url);

    asio::io_context io(static_cast<int>(opt.threads));
    tcp::resolver::results_type endpoints;
    try {
        tcp::resolver resolver(io);
        endpoints = resolver.resolve(url.host, url.port);
    } catch (const boost::system::system_error& e) {
        std::cerr << "loadgen: cannot resolve " << url.host << ":" << url.port << ": " << e.code().message() << "\n";
        return 2;
    }

    const auto to_clock = [](double s) {
        return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
    };
    const auto t0 = Clock::now();
    Shared sh{opt, url, endpoints, t0, t0 + to_clock(opt.warmup), t0 + to_clock(opt.warmup + opt.duration), {}, {}, {},
              {}};
    sh.tickets = opt.requests;
    const bool open_loop = opt.rate > 0;

    std::vector<Stats> stats(opt.connections);
    for (auto& st : stats) {
        st.latency_us.reserve(4096);
        if (open_loop) st.service_us.reserve(4096);
        asio::co_spawn(io, connection(sh, st), asio::detached);
    }
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < opt.threads; ++i) pool.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : pool) t.join();

    // Merge.
    std::vector<std::int64_t> lat, service;
    std::map<unsigned, std::uint64_t> bad_status;
    std::uint64_t io_errors = 0, body_errors = 0, ok = 0;
    Clock::time_point last = sh.warmup_end;
    for (auto& st : stats) {
        lat.insert(lat.end(), st.latency_us.begin(), st.latency_us.end());
        service.insert(service.end(), st.service_us.begin(), st.service_us.end());
        for (const auto& [code, n] : st.bad_status) bad_status[code] += n;
        io_errors += st.io_errors;
        body_errors += st.body_errors;
        ok += st.ok;
        last = std::max(last, st.last_done);
    }
    if (opt.requests == 0) last = std::max(last, sh.end);
    std::sort(lat.begin(), lat.end());
    std::sort(service.begin(), service.end());
    std::uint64_t status_errors = 0;
    for (const auto& [code, n] : bad_status) status_errors += n;
    const std::uint64_t errors = io_errors + body_errors + status_errors;
    const std::uint64_t requests = lat.size() + io_errors;
    const double secs = std::chrono::duration<double>(last - sh.warmup_end).count();
    const double rps = secs > 0 ? static_cast<double>(lat.size()) / secs : 0;
    const double ok_rps = secs > 0 ? static_cast<double>(ok) / secs : 0;
    // Open loop: what was asked of the server and what it answered, both
    // per second of the measured window.
    const double offered = opt.rate, achieved = rps;
    const auto summary = [](const std::vector<std::int64_t>& sorted) {
        double mean = 0;
        for (const auto v : sorted) mean += static_cast<double>(v);
        mean = sorted.empty() ? 0 : mean / static_cast<double>(sorted.size()) / 1000.0;
        return nlohmann::json{{"mean", mean},
                              {"p50", percentile_ms(sorted, 0.50)},
                              {"p90", percentile_ms(sorted, 0.90)},
                              {"p99", percentile_ms(sorted, 0.99)},
                              {"p99.9", percentile_ms(sorted, 0.999)},
                              {"max", sorted.empty() ? 0 : static_cast<double>(sorted.back()) / 1000.0}};
    };
    const auto latency = summary(lat), service_latency = summary(service);
    const auto print_summary = [](const char* label, const nlohmann::json& j) {
        std::printf("%s  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  (mean %.3f)", label,
                    j["p50"].get<double>(), j["p90"].get<double>(), j["p99"].get<double>(), j["p99.9"].get<double>(),
                    j["max"].get<double>(), j["mean"].get<double>());
    };

    if (opt.json) {
        nlohmann::json status = nlohmann::json::object();
        for (const auto& [code, n] : bad_status) status[std::to_string(code)] = n;
        nlohmann::json j = {
            {"url", opt.url},
            {"method", opt.method},
            {"mode", open_loop ? "open" : "closed"},
            {"connections", opt.connections},
            {"threads", opt.threads},
            {"warmup_s", opt.warmup},
            {"duration_s", secs},
            {"requests", requests},
            {"responses", lat.size()},
            {"ok", ok},
            {"errors", {{"total", errors}, {"io", io_errors}, {"body", body_errors}, {"status", status}}},
            {"requests_per_s", rps},
            {"ok_per_s", ok_rps},
            {"latency_ms", latency},
            {"first_error", sh.first_error},
        };
        if (open_loop) {
            j["offered_per_s"] = offered;
            j["achieved_per_s"] = achieved;
            j["service_ms"] = service_latency;
        }
        std::cout << j.dump() << "\n";
    } else {
        std::printf("%s %s  connections %u  threads %u  warmup %.1f s  ", opt.method.c_str(), opt.url.c_str(),
                    opt.connections, opt.threads, opt.warmup);
        if (open_loop)
            std::printf("open loop at %.1f req/s\n", opt.rate);
        else
            std::printf("closed loop\n");
        std::printf("requests    %llu in %.2f s  (%.1f req/s; ok %llu, %.1f/s)\n",
                    static_cast<unsigned long long>(requests), secs, rps, static_cast<unsigned long long>(ok), ok_rps);
        if (open_loop)
            std::printf("offered     %.1f req/s  achieved %.1f req/s (%.1f%%)\n", offered, achieved,
                        offered > 0 ? 100.0 * achieved / offered : 0.0);
        std::printf("errors      %llu", static_cast<unsigned long long>(errors));
        if (errors) {
            std::printf("  (");
            const char* sep = "";
            if (io_errors) {
                std::printf("io %llu", static_cast<unsigned long long>(io_errors));
                sep = ", ";
            }
            if (body_errors) {
                std::printf("%sbody %llu", sep, static_cast<unsigned long long>(body_errors));
                sep = ", ";
            }
            for (const auto& [code, n] : bad_status) {
                std::printf("%sstatus %u: %llu", sep, code, static_cast<unsigned long long>(n));
                sep = ", ";
            }
            std::printf(")");
        }
        std::printf("\n");
        print_summary("latency ms", latency);
        std::printf(open_loop ? "  from each request's scheduled time\n" : "\n");
        if (open_loop) {
            print_summary("service ms", service_latency);
            std::printf("  from each request's send\n");
        }
        if (!sh.first_error.empty()) std::printf("first error %s\n", sh.first_error.c_str());
    }
    return errors ? 1 : 0;
}
