// SHA-256 (FIPS 180-4), for content-addressed keys such as the compile
// cache's: a key must not collide on purpose, so a cryptographic hash.
// Thread-safety: a Sha256 object is used by one thread; the free function is
// safe anywhere.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace judge {

class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t len);
    void update(std::string_view s) { update(s.data(), s.size()); }
    // A length-prefixed field: update_field("a") + update_field("bc") differs
    // from update_field("ab") + update_field("c").
    void update_field(std::string_view s);
    std::array<std::uint8_t, 32> digest();
    std::string hex_digest();

private:
    void block(const std::uint8_t* p);
    std::array<std::uint32_t, 8> h_;
    std::array<std::uint8_t, 64> buf_{};
    std::size_t buf_len_ = 0;
    std::uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view data);

}  // namespace judge
