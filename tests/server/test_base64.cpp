#include "server/judge0/base64.hpp"

#include <string>

#include <catch2/catch.hpp>

namespace b64 = server::base64;

namespace {

std::string all_bytes() {
    std::string s;
    for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
    return s;
}

}  // namespace

TEST_CASE("base64 encodes the RFC 4648 vectors", "[base64]") {
    CHECK(b64::encode("") == "");
    CHECK(b64::encode("f") == "Zg==");
    CHECK(b64::encode("fo") == "Zm8=");
    CHECK(b64::encode("foo") == "Zm9v");
    CHECK(b64::encode("foob") == "Zm9vYg==");
    CHECK(b64::encode("fooba") == "Zm9vYmE=");
    CHECK(b64::encode("foobar") == "Zm9vYmFy");
    CHECK(b64::encode(std::string("\xff\xfe\x00", 3)) == "//4A");
}

TEST_CASE("base64 wrapped form is Ruby's encode64: 60 characters a line, newline at the end", "[base64]") {
    CHECK(b64::encode_wrapped("") == "");
    CHECK(b64::encode_wrapped("hello") == "aGVsbG8=\n");

    const std::string exactly_one_line(45, 'x');  // 45 bytes -> 60 characters
    const std::string one = b64::encode_wrapped(exactly_one_line);
    CHECK(one.size() == 61);
    CHECK(one == b64::encode(exactly_one_line) + "\n");

    const std::string longer(46, 'x');
    const std::string flat = b64::encode(longer);
    CHECK(b64::encode_wrapped(longer) == flat.substr(0, 60) + "\n" + flat.substr(60) + "\n");

    const std::string big(1000, 'y');
    const std::string wrapped = b64::encode_wrapped(big);
    std::size_t start = 0;
    while (start < wrapped.size()) {
        const auto nl = wrapped.find('\n', start);
        REQUIRE(nl != std::string::npos);
        CHECK(nl - start <= 60);
        start = nl + 1;
    }
    CHECK(wrapped.back() == '\n');
}

TEST_CASE("base64 round-trips binary bytes, wrapped and unwrapped", "[base64]") {
    const std::string bytes = all_bytes();
    for (std::size_t len = 0; len <= bytes.size(); len += 37) {
        const std::string part = bytes.substr(0, len);
        CHECK(b64::decode(b64::encode(part)) == part);
        CHECK(b64::decode(b64::encode_wrapped(part)) == part);
    }
    CHECK(b64::decode(b64::encode_wrapped(bytes)) == bytes);
}

TEST_CASE("base64 decode skips whitespace and accepts missing padding", "[base64]") {
    CHECK(b64::decode("Zm9v\r\nYmFy\n") == std::string("foobar"));
    CHECK(b64::decode(" Zm 9v\tYg = = ") == std::string("foob"));
    CHECK(b64::decode("Zg") == std::string("f"));
    CHECK(b64::decode("Zm8") == std::string("fo"));
    CHECK(b64::decode("") == std::string());
    CHECK(b64::decode(" \n ") == std::string());
}

TEST_CASE("base64 decode refuses what is not base64", "[base64]") {
    CHECK_FALSE(b64::decode("Z"));          // one sextet carries no byte
    CHECK_FALSE(b64::decode("Zm9vY"));      // ditto after a full group
    CHECK_FALSE(b64::decode("Zg="));        // padding short
    CHECK_FALSE(b64::decode("Zg==="));      // padding long
    CHECK_FALSE(b64::decode("Zm8=="));      // padding wrong for 3 sextets
    CHECK_FALSE(b64::decode("Zm9v="));      // padding after a full group
    CHECK_FALSE(b64::decode("="));
    CHECK_FALSE(b64::decode("Zg==Zg=="));   // data after padding
    CHECK_FALSE(b64::decode("Zm9v!"));
    CHECK_FALSE(b64::decode("Zm-_"));       // the URL-safe alphabet is another encoding
    CHECK_FALSE(b64::decode("hello, world"));
    CHECK_FALSE(b64::decode(std::string("Zm9v\0", 5)));
}
