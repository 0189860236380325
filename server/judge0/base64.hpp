// Base64 (RFC 4648, standard alphabet, '=' padding).
//
// Thread-safety: pure functions. Errors: decode returns nullopt for input
// that is not base64; nothing throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace server::base64 {

// Unwrapped: one line, no newline.
std::string encode(std::string_view bytes);
// Judge0's (Ruby's Base64.encode64) form: a newline after every 60
// characters and at the end; empty input gives "".
std::string encode_wrapped(std::string_view bytes);
// Accepts wrapped and unwrapped text: ASCII whitespace (\n, \r, space, \t)
// anywhere is skipped; padding may be present or absent, but if present must
// be correct; any other character is an error.
std::optional<std::string> decode(std::string_view text);

}  // namespace server::base64
