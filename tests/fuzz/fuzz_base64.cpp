// libFuzzer target: server::base64. Whatever decode accepts must survive
// encode -> decode unchanged, in both the plain and Judge0's wrapped form;
// and the input's own bytes, encoded, must decode back to themselves.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/judge0/base64.hpp"

namespace {

void check_round_trip(std::string_view bytes) {
    const auto plain = server::base64::decode(server::base64::encode(bytes));
    if (!plain || *plain != bytes) __builtin_trap();
    const auto wrapped = server::base64::decode(server::base64::encode_wrapped(bytes));
    if (!wrapped || *wrapped != bytes) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (const auto decoded = server::base64::decode(input)) check_round_trip(*decoded);
    check_round_trip(input);
    return 0;
}
