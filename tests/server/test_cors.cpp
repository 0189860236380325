// Client filters of the API: origins (CORS) and client addresses.
#include <string>

#include <catch2/catch.hpp>

#include "server/http/client_filter.hpp"
#include "server/http/cors.hpp"

namespace http = boost::beast::http;
using boost::asio::ip::make_address;

TEST_CASE("client filter: addresses and CIDR ranges, allow then disallow", "[cors][clients]") {
    const server::ClientFilter open;
    CHECK(open.empty());
    CHECK(open.admits(make_address("203.0.113.7")));

    const server::ClientFilter f({"10.0.0.0/8", "192.168.1.5", "2001:db8::/32"}, {"10.66.0.0/16"});
    CHECK(f.admits(make_address("10.1.2.3")));
    CHECK_FALSE(f.admits(make_address("10.66.4.4")));  // disallowed inside an allowed range
    CHECK(f.admits(make_address("192.168.1.5")));
    CHECK_FALSE(f.admits(make_address("192.168.1.6")));
    CHECK(f.admits(make_address("2001:db8:1::9")));
    CHECK_FALSE(f.admits(make_address("2001:db9::1")));
    CHECK_FALSE(f.admits(make_address("11.0.0.1")));
    // A dual-stack socket's IPv4 client is its IPv4 address.
    CHECK(f.admits(make_address("::ffff:10.1.2.3")));
    CHECK_FALSE(f.admits(make_address("::ffff:10.66.1.1")));

    const server::ClientFilter deny({}, {"127.0.0.1", "::1"});
    CHECK_FALSE(deny.admits(make_address("127.0.0.1")));
    CHECK_FALSE(deny.admits(make_address("::1")));
    CHECK(deny.admits(make_address("127.0.0.2")));

    // Prefixes that do not end on a byte.
    const server::ClientFilter odd({"172.16.0.0/12", "0.0.0.0/0"}, {"172.31.255.255/31"});
    CHECK(odd.admits(make_address("172.20.0.1")));
    CHECK_FALSE(odd.admits(make_address("172.31.255.254")));
    CHECK(odd.admits(make_address("8.8.8.8")));       // 0.0.0.0/0
    CHECK_FALSE(odd.admits(make_address("::2")));      // but not IPv6
}

TEST_CASE("client filter: a bad entry is refused with its reason", "[cors][clients]") {
    CHECK_THROWS_WITH(server::parse_address_range("10.0.0.300"), "\"10.0.0.300\" is not an IP address or a CIDR range");
    CHECK_THROWS_WITH(server::parse_address_range("10.0.0.0/33"), "\"10.0.0.0/33\": the prefix length must be 0..32");
    CHECK_THROWS_WITH(server::parse_address_range("::/129"), "\"::/129\": the prefix length must be 0..128");
    CHECK_THROWS_WITH(server::parse_address_range("10.0.0.0/"), "\"10.0.0.0/\": the prefix length must be 0..32");
    CHECK_THROWS_WITH(server::parse_address_range("10.0.0.0/8x"), "\"10.0.0.0/8x\": the prefix length must be 0..32");
    CHECK_THROWS(server::parse_address_range("example.com"));
    CHECK(server::parse_address_range("::1").prefix == 128);
}

TEST_CASE("origins: everyone, a list, hosts for any scheme, a disallow list", "[cors]") {
    const server::OriginPolicy all;
    CHECK(all.everyone());
    CHECK(all.admits("https://anything.example"));
    CHECK(all.allow_origin_value("https://anything.example") == "*");

    const server::OriginPolicy list({"https://contest.example:8443", "judge.example", "localhost:8000"}, {});
    CHECK_FALSE(list.everyone());
    CHECK(list.admits("https://contest.example:8443"));
    CHECK(list.admits("HTTPS://Contest.Example:8443"));
    CHECK_FALSE(list.admits("http://contest.example:8443"));  // a full origin: scheme included
    CHECK_FALSE(list.admits("https://contest.example"));
    CHECK(list.admits("http://judge.example"));  // a host: any scheme
    CHECK(list.admits("https://judge.example"));
    CHECK_FALSE(list.admits("https://judge.example.evil"));
    CHECK_FALSE(list.admits("https://evil.judge.example"));
    CHECK(list.admits("http://localhost:8000"));
    CHECK_FALSE(list.admits("http://localhost:8001"));
    CHECK_FALSE(list.admits("null"));
    CHECK(list.allow_origin_value("http://judge.example") == "http://judge.example");

    const server::OriginPolicy but({}, {"evil.example"});
    CHECK_FALSE(but.everyone());
    CHECK(but.admits("https://good.example"));
    CHECK_FALSE(but.admits("https://evil.example"));
    CHECK(but.allow_origin_value("https://good.example") == "https://good.example");  // echoed, never *

    const server::OriginPolicy star({"*"}, {});
    CHECK(star.everyone());
}

TEST_CASE("origins: a preflight's answer", "[cors]") {
    server::Request req{http::verb::options, "/submissions", 11};
    CHECK_FALSE(server::is_preflight(req));
    req.set(http::field::origin, "http://localhost:8000");
    CHECK_FALSE(server::is_preflight(req));
    req.set(http::field::access_control_request_method, "POST");
    req.set(http::field::access_control_request_headers, "content-type,x-auth-token");
    REQUIRE(server::is_preflight(req));
    const server::Response res = server::preflight_answer(req, server::OriginPolicy({"localhost:8000"}, {}));
    CHECK(res.result_int() == 200);
    CHECK(res[http::field::access_control_allow_origin] == "http://localhost:8000");
    CHECK(res[http::field::access_control_allow_headers] == "content-type,x-auth-token");
    CHECK(res[http::field::access_control_allow_methods] == "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    CHECK(res[http::field::access_control_max_age] == "7200");
    CHECK(res[http::field::vary] == "Origin");
}
