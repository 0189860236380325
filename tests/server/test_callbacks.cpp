// Callback receivers' addresses (server/callbacks.hpp) and the store's
// callback outbox.
#include <catch2/catch.hpp>

#include "server/work/callbacks.hpp"
#include "server/store/sqlite/sqlite_store.hpp"

using server::callback_address_allowed;

TEST_CASE("callback addresses: link-local never, loopback and private only when allowed", "[callbacks]") {
    for (const char* ip : {"169.254.169.254", "169.254.0.1", "fe80::1", "::ffff:169.254.169.254", "224.0.0.1",
                           "255.255.255.255", "::", "ff02::1", "not-an-address", ""}) {
        INFO(ip);
        CHECK_FALSE(callback_address_allowed(ip, false));
        CHECK_FALSE(callback_address_allowed(ip, true));
    }
    for (const char* ip : {"127.0.0.1", "127.9.9.9", "0.0.0.0", "10.0.0.1", "172.16.0.1", "172.31.255.255",
                           "192.168.1.1", "100.64.0.1", "::1", "fc00::1", "fd12::1", "::ffff:127.0.0.1",
                           "::ffff:10.0.0.1"}) {
        INFO(ip);
        CHECK_FALSE(callback_address_allowed(ip, false));
        CHECK(callback_address_allowed(ip, true));
    }
    for (const char* ip : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1",
                           "2606:4700::1111", "::ffff:8.8.8.8"}) {
        INFO(ip);
        CHECK(callback_address_allowed(ip, false));
        CHECK(callback_address_allowed(ip, true));
    }
}

TEST_CASE("callback host refusal: forbidden literals and loopback names, no lookup", "[callbacks]") {
    server::ParsedUrl u;
    REQUIRE(server::parse_http_url("http://169.254.169.254/latest", &u));
    CHECK_FALSE(server::callback_host_refusal(u, true).empty());
    REQUIRE(server::parse_http_url("http://127.0.0.1:9/", &u));
    CHECK_FALSE(server::callback_host_refusal(u, false).empty());
    CHECK(server::callback_host_refusal(u, true).empty());
    for (const char* url : {"http://localhost:9/", "http://LocalHost./x", "http://api.localhost/"}) {
        REQUIRE(server::parse_http_url(url, &u));
        CHECK(server::callback_host_refusal(u, false).find("names a loopback address") != std::string::npos);
        CHECK(server::callback_host_refusal(u, true).empty());
    }
    // Any other name waits for delivery, which checks what it resolves to:
    // a request never waits for DNS (a name under .invalid never resolves).
    REQUIRE(server::parse_http_url("http://judge-callback.invalid/", &u));
    CHECK(server::callback_host_refusal(u, false).empty());
    REQUIRE(server::parse_http_url("http://notlocalhost/", &u));
    CHECK(server::callback_host_refusal(u, false).empty());
}

TEST_CASE("store: the callback outbox counts tries and forgets delivered ones", "[callbacks][store]") {
    server::SqliteStore s(":memory:");
    CHECK(s.pending_callbacks().empty());
    const auto a = s.add_callback("tok-a", "http://h/a", std::string("{\"x\":\0}", 8));
    const auto b = s.add_callback("tok-b", "http://h/b", "{}");
    CHECK(s.callback_attempt(a) == 1);
    CHECK(s.callback_attempt(a) == 2);
    CHECK(s.callback_attempt(12345) == 0);
    auto rows = s.pending_callbacks();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].id == a);
    CHECK(rows[0].token == "tok-a");
    CHECK(rows[0].url == "http://h/a");
    CHECK(rows[0].body == std::string("{\"x\":\0}", 8));
    CHECK(rows[0].tries_used == 2);
    CHECK(rows[1].tries_used == 0);
    CHECK(s.remove_callback(a));
    CHECK_FALSE(s.remove_callback(a));
    rows = s.pending_callbacks();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].id == b);
}
