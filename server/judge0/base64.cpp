#include "server/judge0/base64.hpp"

#include <array>
#include <cstdint>

namespace server::base64 {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Ruby's Base64.encode64 (pack "m") breaks lines after 60 characters.
constexpr std::size_t wrap_width = 60;

constexpr std::array<std::int8_t, 256> make_decode_table() {
    std::array<std::int8_t, 256> t{};
    for (auto& v : t) v = -1;
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
}
constexpr auto decode_table = make_decode_table();

bool is_space(char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; }

}  // namespace

std::string encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                                static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                                static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += alphabet[n >> 6 & 63];
        out += alphabet[n & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += "==";
    } else if (rest == 2) {
        const std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                                static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += alphabet[n >> 6 & 63];
        out += '=';
    }
    return out;
}

std::string encode_wrapped(std::string_view bytes) {
    const std::string flat = encode(bytes);
    std::string out;
    out.reserve(flat.size() + flat.size() / wrap_width + 1);
    for (std::size_t i = 0; i < flat.size(); i += wrap_width) {
        out.append(flat, i, wrap_width);
        out += '\n';
    }
    return out;
}

std::optional<std::string> decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 4 * 3 + 3);
    std::uint32_t acc = 0;
    int held = 0;      // sextets in acc (0..3)
    int padding = 0;   // '=' seen so far
    for (const char c : text) {
        if (is_space(c)) continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        // Data after padding: two encodings glued together, or garbage.
        if (padding > 0) return std::nullopt;
        const int v = decode_table[static_cast<unsigned char>(c)];
        if (v < 0) return std::nullopt;
        acc = acc << 6 | static_cast<std::uint32_t>(v);
        if (++held == 4) {
            out += static_cast<char>(acc >> 16 & 0xff);
            out += static_cast<char>(acc >> 8 & 0xff);
            out += static_cast<char>(acc & 0xff);
            acc = 0;
            held = 0;
        }
    }
    // A final group of 1 sextet cannot carry a byte; padding, when given,
    // must complete the last group to 4 characters exactly.
    switch (held) {
        case 0:
            if (padding != 0) return std::nullopt;
            break;
        case 1:
            return std::nullopt;
        case 2:
            if (padding != 0 && padding != 2) return std::nullopt;
            out += static_cast<char>(acc >> 4 & 0xff);
            break;
        case 3:
            if (padding != 0 && padding != 1) return std::nullopt;
            out += static_cast<char>(acc >> 10 & 0xff);
            out += static_cast<char>(acc >> 2 & 0xff);
            break;
        default:
            break;
    }
    return out;
}

}  // namespace server::base64
