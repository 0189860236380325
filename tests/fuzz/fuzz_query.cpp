// libFuzzer target: the query-string helpers the HTTP layer feeds raw request
// targets to: parse_query, parse_fields (on the `fields` value and on the
// whole input), parse_bool.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/judge0/judge0.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace j = server::judge0;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto query = j::parse_query(input);
    for (const auto& kv : query) (void)j::parse_bool(kv.second);
    std::string error;
    const auto it = query.find("fields");
    const auto fields = j::parse_fields(it == query.end() ? std::nullopt : std::optional<std::string_view>(it->second),
                                        &error);
    if (!error.empty() && !fields.empty()) __builtin_trap();  // an error comes with no fields
    error.clear();
    const auto direct = j::parse_fields(input, &error);
    if (!error.empty() && !direct.empty()) __builtin_trap();
    (void)j::parse_bool(input);
    return 0;
}
